"""The January cycle as one story (issue 24): see conftest.py."""
