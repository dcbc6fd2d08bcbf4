"""The model's step phases, one module per mechanism, in the order ``MarketModel.step`` runs them.

Each module holds its mechanism whole: the state it keeps (``STATE``, see
``sim.mechanisms.state``), its compiled passes over all customers, and its phase function(s)
``phase(model)`` that apply them to the whole population at once. To change a mechanism, change
its module. Shared helpers are in ``cells`` (cells of (customer, firm) pairs, firm values) and
``opinion`` (the decaying PUV shift that word of mouth, complaints and contacts write).
"""

from sim.mechanisms import (
    accounting,
    bonds,
    choice,
    complaints,
    customer_value,
    expectations,
    fatigue,
    ladder,
    learning,
    lifecycle,
    loyalty,
    opinion,
    participation,
    perception,
    programmes,
    promises,
    relationships,
    satisfaction,
    targeting,
    word_of_mouth,
)

#: Every mechanism module (their declared state is installed on each new model).
MODULES = (
    lifecycle, programmes, promises, perception, choice, targeting, participation, satisfaction,
    complaints, word_of_mouth, fatigue, opinion, loyalty, ladder, learning, bonds, expectations,
    customer_value, accounting, relationships,
)
