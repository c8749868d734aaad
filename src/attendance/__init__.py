"""Fremmødeanalyse for socialpsykiatriens aktivitetstilbud (AUC og No. 17)."""

__version__ = "0.1.0"
