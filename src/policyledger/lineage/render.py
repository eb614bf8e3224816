"""Terminal rendering of proposals (rich), for ``policyledger lineage propose --format table``."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table

from policyledger.lineage.propose import Lineage

_CONFIDENCE = {"high": "高", "medium": "中", "low": "低"}
_STYLE = {"high": "bold green", "medium": "yellow", "low": "dim"}


def render_table(lineage: Lineage, console: Console) -> None:
    parent, child = lineage.parent, lineage.child
    console.print(
        f"上级文件：{parent.title or parent.source.name}（{len(parent.measures)} 条措施）"
    )
    console.print(f"下级文件：{child.title or child.source.name}（{len(child.measures)} 条措施）")
    table = Table(show_lines=True)
    table.add_column("下级措施", max_width=28)
    table.add_column("候选上级措施", max_width=28)
    table.add_column("得分", justify="right")
    table.add_column("置信度")
    table.add_column("共有片段", max_width=50)
    for proposal in lineage.proposals:
        label = f"{proposal.child.number} {proposal.child.heading or ''}".strip()
        if not proposal.candidates:
            table.add_row(label, "（无）", "", "", "")
            continue
        for i, c in enumerate(proposal.candidates):
            table.add_row(
                label if i == 0 else "",
                f"{c.parent.number} {c.parent.heading or ''}".strip(),
                f"{c.score:.2f}",
                f"[{_STYLE[c.confidence]}]{_CONFIDENCE[c.confidence]}[/]",
                "；".join(c.shared[:3]),
            )
    console.print(table)
    linked = sum(1 for p in lineage.proposals if p.candidates)
    console.print(
        f"{linked}/{len(lineage.proposals)} 条下级措施有候选上级措施；"
        f"{len(lineage.proposals) - linked} 条没有（可能是本地创新）。"
    )
