"""The model's step phases, one module per mechanism, in the order ``MarketModel.step`` runs them.

Each module holds the pure kernels of its mechanism and one phase function ``phase(model)``
that applies them to the whole population at once. To change a mechanism, change its module.
"""
