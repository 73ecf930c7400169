"""Unicode ranges of scripts written without spaces between words, shared by the filters'
tokenizer (transforms/filters/text_units.py) and dedup's normalisation (transforms/minhash.py).

Ranges are inclusive code points; users take only the letters in them.
"""

CJK_SINGLE_RANGES = (  # each character is a word of its own
    (0x3005, 0x3005),  # 々 ideographic iteration mark
    (0x3007, 0x3007),  # 〇 ideographic zero
    (0x3041, 0x3096),  # hiragana
    (0x309D, 0x309F),  # hiragana iteration marks, ゟ
    (0x3400, 0x4DBF),  # CJK unified ideographs extension A
    (0x4E00, 0x9FFF),  # CJK unified ideographs
    (0xF900, 0xFAFF),  # CJK compatibility ideographs
    (0x20000, 0x323AF),  # CJK extensions B..H and compatibility supplement
)
KATAKANA_RANGES = (  # katakana, ー, small and halfwidth katakana
    (0x30A1, 0x30FA),
    (0x30FC, 0x30FF),
    (0x31F0, 0x31FF),
    (0xFF66, 0xFF9F),
)
UNSEGMENTED_RANGES = (  # no word breaks, and no segmenter here
    (0x0E00, 0x0EFF),  # Thai, Lao
    (0x1000, 0x109F),  # Myanmar
    (0x1780, 0x17FF),  # Khmer
)
