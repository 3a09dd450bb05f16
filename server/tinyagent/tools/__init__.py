"""The tool registry: each tool's typed declaration (``definitions.py``), the ``ToolSpec`` derived from it
(``spec.py``) and the ``ToolSet`` every other part asks for tools (``registry.py``). It imports nothing
of the package: the bottom of the house.
"""
