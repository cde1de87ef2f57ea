"""The bank's own data: its customers, their deposits and its past applications with their outcomes — loaded
from the synthetic city's ``bank/`` folder (or the bank's core system), read as ``bank.*`` facts as of a date."""
