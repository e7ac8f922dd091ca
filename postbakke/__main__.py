from postbakke.cli import main

main()
