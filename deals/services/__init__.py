"""Every write of deal-making: keyword-only, typed, ``@transaction.atomic``, the audit entry in the same
transaction (on the deal's subject, ``deal:<public id>``), events and emails after the commit."""
