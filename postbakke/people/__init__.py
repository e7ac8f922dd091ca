"""What people see and decide: review, follow-ups, report, digest, wording."""
