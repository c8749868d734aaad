"""Fremmødeanalyse for socialpsykiatriens aktivitets- og samværstilbud."""

__version__ = "0.1.0"
