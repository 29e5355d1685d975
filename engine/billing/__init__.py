"""Billing accounts (子账户): prices, quotas, consumption detail and reconciliation."""
