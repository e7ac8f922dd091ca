"""The pseudonym key the tests' workspaces use ($POSTBAKKE_SECRET, at least 32 characters)."""

TEST_SECRET = "test-hemmelighed-til-pseudonymerne-0001"
