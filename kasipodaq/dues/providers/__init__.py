"""Payment providers that take dues by bank card.

`base` says what Kasipodaq needs of a provider; `cloudpayments` speaks the
CloudPayments protocol; `simulator` is a local stand-in for CloudPayments that
speaks the same protocol over HTTP, for tests and the demo.
"""
