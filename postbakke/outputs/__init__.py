"""What people read: the report, the weekly digest, the letters export, digital counts and
the Danish words for the codes the tool stores."""
