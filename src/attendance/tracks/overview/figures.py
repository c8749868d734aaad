"""The overview report's figures: the shared figures of `reporting.figures` drawn for the overview, with the
captions and alt texts that explain how to read them.

Why a module of its own: the captions depend on the data (number of offers, the slot width, opening days per
weekday) and were logic hidden in the notebook; here they sit next to the figures they describe.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence

import pandas as pd

from attendance.reporting import figures as fg
from attendance.reporting import glossary, offers_phrase, slot_words

DAILY_UNIQUE_CAPTION = (
    "Antal forskellige borgere pr. åbningsdag gennem perioden. Den stiplede linje er tilbuddets "
    "gennemsnit. Kurven viser, om fremmødet er stabilt, eller om enkelte dage eller uger skiller sig ud."
)
ARRIVAL_PROFILE_CAPTION = (
    "Gennemsnitligt antal borgere, der ankommer i hvert tidsrum pr. åbningsdag (alle ugedage samlet). "
    "De fleste ankomster ligger i den første del af åbningstiden."
)


def heatmap_caption(offer_ids: Sequence[str]) -> str:
    """Caption of the occupancy heatmap; with several offers it says they share one colour scale."""
    return (
        "Gennemsnitligt antal borgere til stede pr. ugedag og tidsrum. Jo mørkere felt, jo flere borgere"
        + (f"; {offers_phrase(offer_ids)} bruger samme farveskala" if len(offer_ids) > 1 else "")
        + ". Grå felter ligger uden for åbningstiden."
    )


def hills_figures(
    occupancy_summary: pd.DataFrame, offer_ids: Sequence[str], labels: Mapping[str, str]
) -> Iterator[tuple[object, str, str]]:
    """Per offer: (`reporting.figures.occupancy_hills` figure, caption, alt text). All figures are drawn
    before the first is returned, as the report always did."""
    figures = [
        (offer, fg.occupancy_hills(occupancy_summary, offer, labels.get(offer, offer))) for offer in offer_ids
    ]
    for offer, fig in figures:
        caption = (
            f"{labels.get(offer, offer)}: antal borgere til stede over dagen pr. ugedag. Linjen er "
            f"gennemsnittet, båndet den midterste halvdel af dagene ({glossary.quantile_band_label(25, 75)}), den "
            f"stiplede linje {glossary.quantile_label(95)}. Tallet i parentes er antal åbningsdage med den ugedag."
        )
        alt = f"Kurver over antal borgere til stede over dagen for hver ugedag i {labels.get(offer, offer)}"
        yield fig, caption, alt


def stay_length_caption(bin_minutes: int) -> str:
    return (
        f"Fordeling af opholdenes længde (andel af besøg pr. {slot_words(bin_minutes)['per']}). Den stiplede "
        "linje er medianen: halvdelen af besøgene er kortere. Besøg uden tidspunkter (afkrydsningslister) indgår "
        "ikke."
    )
