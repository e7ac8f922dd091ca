"""The work station: a small local web app over the workspace (Flask, served by waitress).

Routes parse the request, call people/ and the store, and render templates; the
rules live below. Review decisions go through the same functions as the CLI.
"""
