from policyledger.web.lineage.marks import mark_phrases


def test_phrases_are_marked_whatever_the_punctuation_and_line_breaks() -> None:
    text = "对换购高效家电的消费者\n给予补贴，每件补贴不超过2000元。"
    marked = str(mark_phrases(text, ["消费者给予补贴", "不超过2000元"]))
    assert "<mark>消费者\n给予补贴</mark>" in marked
    assert "<mark>不超过2000元</mark>" in marked


def test_text_is_escaped() -> None:
    assert str(mark_phrases("<script>补贴</script>", ["补贴"])) == (
        "&lt;script&gt;<mark>补贴</mark>&lt;/script&gt;"
    )
