"""What people decide: review, follow-ups, copies, filing and a person's data."""
