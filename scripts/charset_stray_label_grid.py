"""How a charset in a Content-Type header without a valid type is best read: the grid of
docs/reliability.md ("Character sets").

    .venv/bin/python scripts/charset_stray_label_grid.py

`text/html charset=shift_jis` (no `;`) is no media type, and browsers ignore its label. For
12 legacy charsets, pages dense or sparse in their script (no `<meta>`), clean, with one
stray 0xFF byte in the middle, or cut inside their last character, each read under the right
label and under each of the 11 wrong ones, three rules are scored (a page counts as read right
when it matches its text apart from at most three damaged characters):

- ccprov: `decode_html` (the label after `<meta>` and the UTF-8 check, where it reads the page
  with little damage; then detection);
- detection alone: `decode_html` with a plain `text/html`;
- yield: ccprov's read, except that a label read with damage yields to the detected charset
  when that one decodes every byte.
"""

from __future__ import annotations

import itertools

from transforms import http_payload

SAMPLES = {  # Python codec: (label, a paragraph in its script)
    "shift_jis": ("shift_jis", "今日は天気がとても良いので、友達と一緒に公園へ散歩に行きました。桜の花がきれいに咲いていて、たくさんの人が写真を撮っていました。"),
    "euc_jp": ("euc-jp", "東京の新しい図書館は駅から歩いて五分のところにあります。週末には子供向けの読み聞かせ会が開かれ、多くの家族が参加しています。"),
    "euc_kr": ("euc-kr", "오늘은 날씨가 아주 좋아서 친구들과 함께 공원에 산책을 갔습니다. 벚꽃이 예쁘게 피어 있었고 많은 사람들이 사진을 찍고 있었습니다."),
    "big5": ("big5", "今天天氣很好，我和朋友一起去公園散步。櫻花開得很漂亮，很多人在拍照，大家都很開心地享受這個美好的週末。"),
    "gb2312": ("gb2312", "今天天气很好，我和朋友一起去公园散步。樱花开得很漂亮，很多人在拍照，大家都很开心地享受这个美好的周末。"),
    "cp1251": ("windows-1251", "Сегодня была прекрасная погода, и мы с друзьями пошли гулять в парк. Цвели вишни, и многие люди фотографировали деревья."),
    "koi8_r": ("koi8-r", "Новая библиотека находится в пяти минутах ходьбы от вокзала. По выходным там проходят чтения для детей и их родителей."),
    "cp1250": ("windows-1250", "Dziś była piękna pogoda, więc poszliśmy z przyjaciółmi na spacer do parku. Kwitły wiśnie, a wielu ludzi robiło zdjęcia."),
    "cp1252": ("windows-1252", "Aujourd'hui il faisait très beau, alors nous sommes allés nous promener au parc. Les cerisiers étaient en fleurs, c'était magnifique."),
    "cp1253": ("windows-1253", "Σήμερα ο καιρός ήταν υπέροχος και πήγαμε βόλτα στο πάρκο με τους φίλους μας. Οι κερασιές είχαν ανθίσει και πολλοί έβγαζαν φωτογραφίες."),
    "cp1256": ("windows-1256", "كان الطقس اليوم جميلا جدا فذهبنا مع الأصدقاء للتنزه في الحديقة. كانت الأشجار مزهرة والتقط كثير من الناس الصور."),
    "cp874": ("windows-874", "วันนี้อากาศดีมาก เราจึงไปเดินเล่นที่สวนสาธารณะกับเพื่อน ๆ ดอกไม้บานสวยงามและมีคนถ่ายรูปมากมาย"),
}  # fmt: skip
FILLER = "The quick brown fox jumps over the lazy dog while the committee reviews the report. "


def page_text(paragraph: str, dense: bool) -> str:
    if dense:
        paragraphs = [paragraph] * 30
    else:  # mostly ASCII, a few lines in the script
        paragraphs = [FILLER * 3] * 40
        paragraphs[5], paragraphs[25] = paragraph, paragraph[:40]
    body = "".join(f"<p>{p}</p>\n" for p in paragraphs)
    return f"<html><head><title>page</title></head><body>\n{body}<p>{paragraph[:12]}"


def variants(codec: str, dense: bool):
    """(kind, bytes, the text they hold)."""
    text = page_text(SAMPLES[codec][1], dense)
    raw = text.encode(codec)
    yield "clean", raw, text
    middle = len(raw) // 2
    yield "stray byte", raw[:middle] + b"\xff" + raw[middle:], text
    if len(text[-1].encode(codec)) > 1:
        yield "cut", raw[:-1], text[:-1]


def read_right(decoded: str, truth: str) -> bool:
    """Equal to `truth` apart from at most three damaged characters."""
    if decoded == truth:
        return True
    decoded = decoded.replace("\ufffd", "")
    if abs(len(decoded) - len(truth)) > 3:
        return False
    n = min(len(decoded), len(truth))
    head = next((i for i in range(n) if decoded[i] != truth[i]), n)
    tail = next((i for i in range(n - head) if decoded[-1 - i] != truth[-1 - i]), n - head)
    return head + tail >= len(truth) - 3


def ccprov(raw: bytes, label: str) -> str:
    return http_payload.decode_html(raw, f"text/html charset={label}")[0]


def detection_alone(raw: bytes, label: str) -> str:
    return http_payload.decode_html(raw, "text/html")[0]


def yield_to_detection(raw: bytes, label: str) -> str:
    text, used = http_payload.decode_html(raw, f"text/html charset={label}")
    if "\ufffd" in text and used != "utf-8":
        detected = http_payload._detect(raw)
        if detected != used:
            try:
                return raw.decode(detected)
            except UnicodeDecodeError:
                pass
    return text


def main() -> None:
    rules = {"ccprov": ccprov, "detection alone": detection_alone, "yield": yield_to_detection}
    for name, rule in rules.items():
        right = wrong = right_total = wrong_total = 0
        for codec, label_codec in itertools.product(SAMPLES, SAMPLES):
            for dense in (True, False):
                for _, raw, truth in variants(codec, dense):
                    ok = read_right(rule(raw, SAMPLES[label_codec][0]), truth)
                    if codec == label_codec:
                        right, right_total = right + ok, right_total + 1
                    else:
                        wrong, wrong_total = wrong + ok, wrong_total + 1
        print(
            f"{name:16} right label: {right} / {right_total} read right; "
            f"wrong label: {wrong} / {wrong_total}"
        )


if __name__ == "__main__":
    main()
