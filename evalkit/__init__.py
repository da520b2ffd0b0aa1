"""evalkit: did my fine-tune make the code better, and by how much?"""

__version__ = "0.1.0"
