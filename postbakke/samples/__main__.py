"""`python -m postbakke.samples OUT`: a generated tray for the demo."""

from postbakke.samples import main

main()
