"""The head of office's dashboard and the process heatmap, without Flask: figures over the cases a
person may see (`filters.py`, `figures.py`), the flows each case took (`flows.py`, written by the engine
step) and the heatmap of one line's diagram (`heatmap.py`)."""
