"""The starting domain dictionary and synonym groups, seeded into the database.

Admins extend both on the vocabulary page (search.services); the segmenter reads the live rows of
`DictionaryWord` and `SynonymGroup` (search.segment), never these lists directly, so archiving a
starting word takes effect like any other change.
"""

from django.db import transaction

from twinning.search.models import DictionaryWord, SynonymGroup

# Words of household-waste sorting that a general dictionary would cut apart.
DEFAULT_WORDS: tuple[str, ...] = (
    "垃圾分类",
    "生活垃圾",
    "撤桶并点",
    "定时定点",
    "厨余垃圾",
    "湿垃圾",
    "干垃圾",
    "其他垃圾",
    "可回收物",
    "可回收垃圾",
    "有害垃圾",
    "有毒有害垃圾",
    "易腐垃圾",
    "餐厨垃圾",
    "大件垃圾",
    "装修垃圾",
    "建筑垃圾",
    "园林垃圾",
    "再生资源",
    "蒲公英计划",
    "桶边督导",
    "回收利用率",
    "资源化利用",
    "无害化处理",
    "减量化",
    "两网融合",
    "积分兑换",
    "误投率",
    "知晓率",
    "参与率",
    "准确投放率",
    "四分类",
    "分类投放",
    "分类收集",
    "分类运输",
    "分类处理",
    "示范片区",
    "示范小区",
    "1对1",
    "对口帮扶",
    "结对帮扶",
    "垃圾中转站",
    "焚烧发电",
    "厌氧发酵",
    "分拣中心",
    "智能回收箱",
    "收运体系",
)

# Words that mean the same thing: a query for one finds the others.
# 餐厨垃圾 (restaurant and canteen waste) is NOT 厨余垃圾 (household kitchen waste): kept apart.
DEFAULT_SYNONYMS: tuple[tuple[str, ...], ...] = (
    ("湿垃圾", "厨余垃圾", "易腐垃圾"),
    ("干垃圾", "其他垃圾"),
    ("可回收垃圾", "可回收物", "再生资源"),
    ("有毒有害垃圾", "有害垃圾"),
    ("装修垃圾", "装潢垃圾"),
    ("垃圾中转站", "垃圾转运站"),
)


@transaction.atomic
def load_vocabulary() -> tuple[int, int]:
    """Seed the starting words and synonym groups; running it again adds nothing.

    A starting word or group an admin archived stays archived. Returns (words, groups) added."""
    existing = set(DictionaryWord.objects.values_list("word", flat=True))
    words = [DictionaryWord(word=w) for w in DEFAULT_WORDS if w not in existing]
    DictionaryWord.objects.bulk_create(words)
    known = {frozenset(g.word_list) for g in SynonymGroup.objects.all()}
    groups = [
        SynonymGroup(words=" ".join(group))
        for group in DEFAULT_SYNONYMS
        if frozenset(group) not in known
    ]
    SynonymGroup.objects.bulk_create(groups)
    if words or groups:
        from twinning.search.segment import reload_vocabulary

        transaction.on_commit(reload_vocabulary)
    return len(words), len(groups)
