"""How small numbers are protected: one gate for every figure Brugerstemmen publishes.

Figures in, protected figures out. A centre's answers, tallied per week (grid.Week), go in
when a period closes; what that period may publish comes out (protect.decide), and is stored
once: what was published stays published. Pages, downloads, the wall poster, the sync to LVS
and the hub all show only what came out of here; the hub sums what centres published
(combine.combine). docs/disclosure-control.md says why this method, and what a reader can and
cannot learn.

In short: a period's number of answers is exact; every other count is perturbed, at most
ptable.BOUND from the truth, by the cell key method with a perturbation table; a period with
fewer than k answers shows its number of answers alone; and no count from 1 to k-1 can be worked
out exactly from everything published, because each decision keeps a witness for it.
"""

from .combine import MIN_CENTRES, Figures, Sent, combine
from .grid import ANSWERED, BANDS, CHOSEN, N, NOT_CHOSEN, TOP_BAND, UNANSWERED, FieldCells, Week, layout
from .protect import closing_order, decide, publish
from .ptable import BOUND
from .rules import HIDDEN, PERTURBATION, PERTURBED, RULE, SHOWN, SMALL, SUPPRESSED, ZEROS_SMALL, Count, Published, interval

__all__ = ["ANSWERED", "BANDS", "BOUND", "CHOSEN", "Count", "FieldCells", "Figures", "HIDDEN", "MIN_CENTRES", "N",
           "NOT_CHOSEN", "PERTURBATION", "PERTURBED", "Published", "RULE", "SHOWN", "SMALL", "SUPPRESSED", "Sent",
           "TOP_BAND", "UNANSWERED", "Week", "ZEROS_SMALL", "closing_order", "combine", "decide", "interval", "layout",
           "publish"]
