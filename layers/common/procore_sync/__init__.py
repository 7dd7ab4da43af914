"""Shared code of the Procore integration: the token lifecycle, the Procore client and the sync.

Every Lambda function imports from here; handlers stay thin and call one use case each.
"""
