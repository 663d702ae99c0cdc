"""The Centre's ODR clause, which every deal template carries (the parties may keep or strike it, and
either choice is recorded). Where it is kept, a dispute about the contract starts on this platform in one
step, and the clause is the respondent's consent to resolving it online.

The wording is the Centre's: a template may not change it, and a deal may only keep or strike it. A new
wording is a new constant here and new template versions, so a contract always shows the words it was
signed with.
"""

ODR_CLAUSE_HEADING = {"en": "Online dispute resolution", "zh-hant": "網上解決爭議"}

ODR_CLAUSE_TEXT = {
    "en": (
        "Any dispute, controversy, difference or claim arising out of or relating to this contract, including "
        "its existence, validity, interpretation, performance, breach or termination, shall first be referred "
        "to online negotiation on the platform of the ODR Centre. If it is not settled within the time the "
        "Centre's rules allow, it shall be referred to online mediation by a mediator appointed under those "
        "rules; and if it is still not settled, it shall be finally resolved by arbitration on the documents "
        "administered online by the Centre. The seat of arbitration shall be Hong Kong and the law of this "
        "arbitration clause shall be Hong Kong law. Each party agrees that the other may start the process by "
        "filing a claim on the platform, and that this clause is its consent to resolving the dispute online."
    ),
    "zh-hant": (
        "凡因本合約所引起的或與之相關的任何爭議、爭論、分歧或索償，包括合約的存在、效力、解釋、履行、違反或終止，"
        "均應首先提交網上爭議解決中心的平台進行網上協商。如未能在中心規則所容許的時間內和解，則應提交由按該規則委任的"
        "調解員進行網上調解；如仍未能和解，則應透過由中心以網上方式管理的書面仲裁作最終解決。仲裁地為香港，本仲裁條款"
        "適用香港法律。各方同意另一方可透過在平台提出申索啟動上述程序，並同意本條款即為其以網上方式解決爭議的同意。"
    ),
}
