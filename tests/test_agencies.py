"""Text folding and agency lookup from what people type."""

from __future__ import annotations

import pytest

from bot.agencies import ALL_KINDS, AgencyDirectory, canonical
from bot.plan import Agency, Plan, load_plan
from bot.text import compact, fold, strip_diacritics


@pytest.fixture(scope="module")
def plan() -> Plan:
    return load_plan()


@pytest.fixture(scope="module")
def directory(plan: Plan) -> AgencyDirectory:
    return AgencyDirectory(plan.agencies)


# --------------------------------------------------------------------------- bot.text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Sở Y tế", "so y te"),
        ("SỞ Y TẾ", "so y te"),
        ("  sở   y\ttế ", "so y te"),
        ("Đầu tư", "dau tu"),
        ("đđĐĐ", "dddd"),
        ("Uỷ ban", "uy ban"),
        ("Ủy ban", "uy ban"),
        ("Chiêm Hoá", "chiem hoa"),
        ("Chiêm Hóa", "chiem hoa"),
        ("KH&ĐT", "khdt"),
        ("KH & ĐT", "khdt"),
        ("kh&dt", "khdt"),
        ("Sở KH&ĐT", "so khdt"),
        ("Sở NN & PTNT", "so nnptnt"),
        ("so-y-te", "so y te"),
        ("UBND TP. Tuyên Quang", "ubnd tp tuyen quang"),
        ("«Sở Y tế»!", "so y te"),
        ("ｓｏ ｙ ｔｅ", "so y te"),
        ("Quy hoạch 2021-2030", "quy hoach 2021 2030"),
        ("", ""),
        ("  ... ", ""),
    ],
)
def test_fold(text: str, expected: str) -> None:
    assert fold(text) == expected


def test_fold_is_idempotent() -> None:
    for text in ("Sở Kế hoạch và Đầu tư", "KH & ĐT", "Ủy ban nhân dân huyện Chiêm Hoá"):
        assert fold(fold(text)) == fold(text)


def test_fold_decomposed_input() -> None:
    import unicodedata

    assert fold(unicodedata.normalize("NFD", "Sở Tài nguyên và Môi trường")) == (
        "so tai nguyen va moi truong"
    )


def test_strip_diacritics_keeps_case() -> None:
    assert strip_diacritics("Sở Kế hoạch và Đầu tư") == "So Ke hoach va Dau tu"


def test_compact() -> None:
    assert compact("Sở KH & ĐT") == "sokhdt"
    assert compact("kh dt") == compact("KHĐT")


def test_canonical() -> None:
    assert canonical("Ủy ban nhân dân thành phố Tuyên Quang") == "ubnd tp tuyen quang"
    assert canonical("Sở Kế hoạch và Đầu tư") == "so ke hoach dau tu"
    assert canonical("Uỷ ban tỉnh") == "ubnd tinh"


# --------------------------------------------------------------------------- find


QUERIES = [
    ("so y te", "so-y-te"),
    ("Sở Y tế", "so-y-te"),
    ("Sở Y Tế", "so-y-te"),
    ("SỞ Y TẾ", "so-y-te"),
    ("SYT", "so-y-te"),
    ("y te", "so-y-te"),
    ("so-y-te", "so-y-te"),
    ("khdt", "so-khdt"),
    ("KHĐT", "so-khdt"),
    ("KH&ĐT", "so-khdt"),
    ("kh & dt", "so-khdt"),
    ("kh dt", "so-khdt"),
    ("Sở KH&ĐT", "so-khdt"),
    ("sở kế hoạch", "so-khdt"),
    ("so ke hoach", "so-khdt"),
    ("so ke hoach va dau tu", "so-khdt"),
    ("Sở Kế hoạch & Đầu tư", "so-khdt"),
    ("ke hoach dau tu", "so-khdt"),
    ("so tai chinh", "so-tai-chinh"),
    ("Tài chính", "so-tai-chinh"),
    ("GTVT", "so-gtvt"),
    ("so giao thong", "so-gtvt"),
    ("Sở Giao thông vận tải", "so-gtvt"),
    ("sở gt-vt", "so-gtvt"),
    ("so xay dung", "so-xay-dung"),
    ("xây dựng", "so-xay-dung"),
    ("TT&TT", "so-tttt"),
    ("so thong tin", "so-tttt"),
    ("Sở Thông tin và Truyền thông", "so-tttt"),
    ("NN&PTNT", "so-nnptnt"),
    ("so nong nghiep", "so-nnptnt"),
    ("TN&MT", "so-tnmt"),
    ("so tai nguyen va moi truong", "so-tnmt"),
    ("UBND TP Tuyên Quang", "ubnd-tp-tuyen-quang"),
    ("tp tuyen quang", "ubnd-tp-tuyen-quang"),
    ("thanh pho tuyen quang", "ubnd-tp-tuyen-quang"),
    ("Ủy ban nhân dân thành phố Tuyên Quang", "ubnd-tp-tuyen-quang"),
    ("TP. Tuyên Quang", "ubnd-tp-tuyen-quang"),
    ("na hang", "ubnd-na-hang"),
    ("huyen na hang", "ubnd-na-hang"),
    ("UBND huyện Na Hang", "ubnd-na-hang"),
    ("Ủy ban nhân dân huyện Na Hang", "ubnd-na-hang"),
    ("lam binh", "ubnd-lam-binh"),
    ("Chiêm Hoá", "ubnd-chiem-hoa"),
    ("UBND Hàm Yên", "ubnd-ham-yen"),
    ("yen son", "ubnd-yen-son"),
    ("huyện Sơn Dương", "ubnd-son-duong"),
    ("ban di dan", "ban-di-dan-tdc"),
    ("Ban Di dân tái định cư thủy điện Tuyên Quang", "ban-di-dan-tdc"),
    ("ban dieu phoi", "ban-dieu-phoi-oda"),
    ("ODA", "ban-dieu-phoi-oda"),
    ("UBND tỉnh", "ubnd-tinh"),
    ("uy ban nhan dan tinh", "ubnd-tinh"),
    ("Văn phòng UBND tỉnh", "vp-ubnd-tinh"),
]


@pytest.mark.parametrize(("query", "expected"), QUERIES)
def test_find(directory: AgencyDirectory, query: str, expected: str) -> None:
    found = directory.find(query)
    assert found is not None, query
    assert found.id == expected


def test_table_is_large_enough() -> None:
    assert len(QUERIES) >= 30


@pytest.mark.parametrize("query", ["so y tê x", "", "   ", "bộ phận xyz", "hà nội", "sở"])
def test_unknown_is_none(directory: AgencyDirectory, query: str) -> None:
    assert directory.find(query) is None


def test_ambiguous_is_none(directory: AgencyDirectory) -> None:
    # Both the province and its city are "Tuyên Quang".
    assert directory.find("tuyen quang") is None


def test_groups_and_ministries_only_when_asked(directory: AgencyDirectory) -> None:
    assert directory.find("các sở, ban, ngành") is None
    group = directory.find("các sở, ban, ngành", kinds={"group"})
    assert group is not None
    assert group.id == "cac-so-ban-nganh"
    districts = directory.find("UBND huyện, thành phố", kinds={"group"})
    assert districts is not None
    assert districts.id == "ubnd-huyen-thanh-pho"
    # "Bộ Y tế" is not "Sở Y tế".
    assert directory.find("bộ y tế") is None
    ministry = directory.find("Bộ Y tế", kinds=ALL_KINDS)
    assert ministry is not None
    assert ministry.id == "bo-y-te"
    ministry = directory.find("bo gtvt", kinds={"ministry"})
    assert ministry is not None
    assert ministry.id == "bo-gtvt"


def test_kinds_filter(directory: AgencyDirectory) -> None:
    assert directory.find("so y te", kinds={"district"}) is None
    found = directory.find("na hang", kinds={"district"})
    assert found is not None
    assert found.id == "ubnd-na-hang"


def test_no_alias_is_shared_between_agencies(plan: Plan) -> None:
    owner: dict[str, str] = {}
    for agency in plan.agencies:
        for text in (agency.id, agency.name, agency.short_name, *agency.aliases):
            form = canonical(text)
            assert owner.setdefault(form, agency.id) == agency.id, (text, agency.id)


def test_every_own_name_finds_the_agency(directory: AgencyDirectory, plan: Plan) -> None:
    for agency in plan.agencies:
        for text in (agency.id, agency.name, agency.short_name, *agency.aliases):
            found = directory.find(text, kinds=ALL_KINDS)
            assert found == agency, (text, agency.id)


# --------------------------------------------------------------------------- suggest


def ids(agencies: list[Agency]) -> list[str]:
    return [agency.id for agency in agencies]


def test_suggest_typo(directory: AgencyDirectory) -> None:
    assert ids(directory.suggest("so y tê x"))[0] == "so-y-te"
    assert ids(directory.suggest("so giao tong"))[0] == "so-gtvt"
    assert ids(directory.suggest("huyen na hamg"))[0] == "ubnd-na-hang"
    assert ids(directory.suggest("sở tài chin"))[0] == "so-tai-chinh"


def test_suggest_limit_and_nonsense(directory: AgencyDirectory) -> None:
    assert len(directory.suggest("so", limit=2)) <= 2
    assert directory.suggest("so y te", limit=0) == []
    assert directory.suggest("zzzz qqqq") == []
    assert directory.suggest("") == []


def test_suggest_excludes_groups_and_ministries_by_default(directory: AgencyDirectory) -> None:
    kinds = {agency.kind for agency in directory.suggest("bo y te x", limit=10)}
    assert not kinds & {"group", "ministry"}
    assert "bo-y-te" in ids(directory.suggest("bo y te x", kinds=ALL_KINDS))


def test_all_and_get(directory: AgencyDirectory, plan: Plan) -> None:
    assert directory.all() == plan.agencies
    assert directory.get("so-y-te") == plan.agency("so-y-te")
    assert directory.get("so y te") is None
