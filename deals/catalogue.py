"""The Centre's first contract templates (version 1 of each), in English and Traditional Chinese. The
migration ``0002_first_templates`` publishes them; later versions are made by the case administrators on
the templates page, never by editing these."""

from __future__ import annotations

from typing import Any

from deals.content import odr_clause


def _t(en: str, zh: str) -> dict[str, str]:
    return {"en": en, "zh-hant": zh}


def _field(key: str, kind: str, en: str, zh: str, *, required: bool = True, **extra: Any) -> dict[str, Any]:
    return {"key": key, "type": kind, "label": _t(en, zh), "required": required, **extra}


def _clause(key: str, heading: tuple[str, str], text: tuple[str, str]) -> dict[str, Any]:
    return {"key": key, "heading": _t(*heading), "text": _t(*text)}


GOVERNING_LAW = _clause(
    "governing_law",
    ("Governing law", "管轄法律"),
    (
        "This contract is governed by the laws of the Hong Kong Special Administrative Region.",
        "本合約受香港特別行政區法律管轄。",
    ),
)

ENTIRE_AGREEMENT = _clause(
    "entire_agreement",
    ("Entire agreement", "完整協議"),
    (
        "This contract, with its particulars, is the whole agreement between the parties on its subject and "
        "replaces anything said or written before it. A change binds the parties only if both agree to it "
        "on the platform.",
        "本合約連同其細節構成雙方就其標的之完整協議，並取代之前的一切口頭或書面陳述。任何修改須經雙方在平台上同意方對雙方具約束力。",
    ),
)

SALE_OF_GOODS: dict[str, Any] = {
    "key": "sale-of-goods",
    "title": _t("Sale of goods", "貨品買賣合約"),
    "roles": [{"key": "seller", "label": _t("Seller", "賣方")}, {"key": "buyer", "label": _t("Buyer", "買方")}],
    "fields": [
        _field("goods", "longtext", "Goods", "貨品"),
        _field("quantity", "text", "Quantity", "數量"),
        _field("price", "money", "Total price", "總價"),
        _field("currency", "currency", "Currency", "貨幣"),
        _field("delivery_place", "text", "Place of delivery", "交貨地點"),
        _field(
            "delivery_date",
            "date",
            "Delivery by",
            "交貨日期",
            obligation={"kind": "delivery", "owed_by": "seller"},
        ),
        _field("deposit", "money", "Deposit", "訂金", required=False),
        _field(
            "deposit_date",
            "date",
            "Deposit paid by",
            "訂金付款日期",
            required=False,
            obligation={"kind": "payment", "owed_by": "buyer", "amount_field": "deposit"},
        ),
        _field("balance", "money", "Balance payable", "尾數"),
        _field(
            "balance_date",
            "date",
            "Balance paid by",
            "尾數付款日期",
            obligation={"kind": "payment", "owed_by": "buyer", "amount_field": "balance"},
        ),
    ],
    "clauses": [
        _clause(
            "sale",
            ("Sale", "買賣"),
            (
                "The Seller sells and the Buyer buys the goods in the quantity stated in the particulars, for the "
                "total price stated there.",
                "賣方按細節所列數量出售、買方購買細節所列貨品，總價以細節所列為準。",
            ),
        ),
        _clause(
            "delivery",
            ("Delivery", "交貨"),
            (
                "The Seller delivers the goods to the place of delivery by the delivery date. Risk in the goods "
                "passes to the Buyer on delivery.",
                "賣方須於交貨日期或之前將貨品交付至交貨地點。貨品的風險於交付時轉移至買方。",
            ),
        ),
        _clause(
            "payment",
            ("Payment", "付款"),
            (
                "The Buyer pays any deposit by its date and the balance by its date, in the currency stated, "
                "to the account the Seller names in writing.",
                "買方須按細節所列日期支付訂金（如有）及尾數，以所列貨幣付至賣方書面指定的帳戶。",
            ),
        ),
        _clause(
            "quality",
            ("Quality", "品質"),
            (
                "The goods correspond with their description, are of merchantable quality and are fit for any "
                "purpose the Buyer made known to the Seller before this contract.",
                "貨品須與其描述相符，具可商售品質，並適合買方在訂立本合約前已告知賣方的任何用途。",
            ),
        ),
        _clause(
            "title",
            ("Ownership", "擁有權"),
            (
                "Ownership of the goods passes to the Buyer when the total price has been paid.",
                "貨品的擁有權於總價付清時轉移至買方。",
            ),
        ),
        ENTIRE_AGREEMENT,
        GOVERNING_LAW,
        odr_clause(),
    ],
}

SUPPLY_OF_SERVICES: dict[str, Any] = {
    "key": "supply-of-services",
    "title": _t("Supply of services", "服務供應合約"),
    "roles": [
        {"key": "provider", "label": _t("Service provider", "服務提供者")},
        {"key": "client", "label": _t("Client", "客戶")},
    ],
    "fields": [
        _field("services", "longtext", "Services", "服務"),
        _field("fee", "money", "Fee", "費用"),
        _field("currency", "currency", "Currency", "貨幣"),
        _field("start_date", "date", "Services start on", "服務開始日期"),
        _field("milestone_1", "text", "First milestone", "第一個里程碑"),
        _field(
            "milestone_1_date",
            "date",
            "First milestone by",
            "第一個里程碑日期",
            obligation={"kind": "milestone", "owed_by": "provider"},
        ),
        _field("milestone_2", "text", "Second milestone", "第二個里程碑", required=False),
        _field(
            "milestone_2_date",
            "date",
            "Second milestone by",
            "第二個里程碑日期",
            required=False,
            obligation={"kind": "milestone", "owed_by": "provider"},
        ),
        _field(
            "payment_date",
            "date",
            "Fee paid by",
            "費用付款日期",
            obligation={"kind": "payment", "owed_by": "client", "amount_field": "fee"},
        ),
    ],
    "clauses": [
        _clause(
            "services",
            ("The services", "服務"),
            (
                "The Service provider performs the services described in the particulars with reasonable care "
                "and skill, from the start date, and reaches each milestone by its date.",
                "服務提供者須自開始日期起以合理的謹慎和技術提供細節所述服務，並於各里程碑日期或之前完成該里程碑。",
            ),
        ),
        _clause(
            "fee",
            ("Fee", "費用"),
            (
                "The Client pays the fee by the date stated, in the currency stated. The fee includes all the "
                "Service provider's expenses unless the parties agree otherwise on the platform.",
                "客戶須於所列日期或之前以所列貨幣支付費用。除非雙方在平台上另有協議，費用已包括服務提供者的所有開支。",
            ),
        ),
        _clause(
            "cooperation",
            ("Cooperation", "合作"),
            (
                "The Client gives the Service provider the information and access it reasonably needs to "
                "perform the services.",
                "客戶須向服務提供者提供其為提供服務而合理需要的資料及協助。",
            ),
        ),
        _clause(
            "confidentiality",
            ("Confidentiality", "保密"),
            (
                "Each party keeps confidential what it learns of the other's business through this contract, "
                "except what the law requires it to disclose.",
                "各方須對其透過本合約得知的對方業務資料保密，法律規定須披露者除外。",
            ),
        ),
        _clause(
            "termination",
            ("Termination", "終止"),
            (
                "Either party may end this contract by notice on the platform if the other is in material breach "
                "and does not remedy it within 14 days of being asked to. Work done before then is paid for.",
                "如一方嚴重違約，且在被要求補救後14日內仍未補救，另一方可透過平台發出通知終止本合約。終止前已完成的工作仍須付款。",
            ),
        ),
        ENTIRE_AGREEMENT,
        GOVERNING_LAW,
        odr_clause(),
    ],
}

MEMORANDUM: dict[str, Any] = {
    "key": "memorandum-of-understanding",
    "title": _t("Memorandum of understanding", "合作備忘錄"),
    "roles": [
        {"key": "party_a", "label": _t("First party", "甲方")},
        {"key": "party_b", "label": _t("Second party", "乙方")},
    ],
    "fields": [
        _field("purpose", "longtext", "Purpose of the cooperation", "合作目的"),
        _field("contribution_a", "longtext", "What the first party brings", "甲方的貢獻"),
        _field("contribution_b", "longtext", "What the second party brings", "乙方的貢獻"),
        _field(
            "review_date",
            "date",
            "Joint review by",
            "共同檢討日期",
            obligation={"kind": "milestone", "owed_by": "party_a"},
        ),
        _field("end_date", "date", "The memorandum ends on", "備忘錄屆滿日期"),
    ],
    "clauses": [
        _clause(
            "purpose",
            ("Purpose", "目的"),
            (
                "The parties record their shared understanding of the cooperation described in the particulars "
                "and what each will bring to it.",
                "雙方記錄其對細節所述合作及各方貢獻的共同理解。",
            ),
        ),
        _clause(
            "review",
            ("Review", "檢討"),
            (
                "The First party arranges a joint review of the cooperation by the review date.",
                "甲方須於檢討日期或之前安排雙方共同檢討合作情況。",
            ),
        ),
        _clause(
            "binding",
            ("What binds", "約束力"),
            (
                "Only the clauses on confidentiality, governing law and online dispute resolution bind the "
                "parties; the rest records their intentions.",
                "只有保密、管轄法律及網上解決爭議的條款對雙方具約束力；其餘條款僅記錄雙方的意向。",
            ),
        ),
        _clause(
            "confidentiality",
            ("Confidentiality", "保密"),
            (
                "Each party keeps confidential what it learns of the other's business through this "
                "memorandum, except what the law requires it to disclose.",
                "各方須對其透過本備忘錄得知的對方業務資料保密，法律規定須披露者除外。",
            ),
        ),
        GOVERNING_LAW,
        odr_clause(),
    ],
}

FIRST_TEMPLATES = (SALE_OF_GOODS, SUPPLY_OF_SERVICES, MEMORANDUM)


def template_body(template: dict[str, Any]) -> dict[str, Any]:
    return {key: template[key] for key in ("roles", "fields", "clauses")}
