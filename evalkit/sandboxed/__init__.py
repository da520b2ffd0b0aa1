"""Code that runs *inside* the sandbox (standard library only; never imports evalkit).

server.py   the pre-warmed template: one interpreter that forks a fresh child per job
gameshim.py loaded before a pygame program: headless, virtual time, scripted input, draw trace
"""
