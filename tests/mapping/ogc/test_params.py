"""Reading OGC API query parameters (mapping/ogc/params.py) and naming CRSs (mapping/ogc/crs.py):
pure functions, every value checked, every mistake a 400 naming the parameter."""

from datetime import date

import pytest
from werkzeug.datastructures import MultiDict

from core.errors import InvalidInput
from mapping.ogc import crs, params

CRS84_URI = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG = "http://www.opengis.net/def/crs/EPSG/0/"
CHOICES = crs.supported(27700)
BNG = crs.epsg(27700)
LAT_LON = crs.epsg(4326)


def args(**values) -> MultiDict:
    """Query arguments; names with dashes are written with underscores (bbox_crs)."""
    return MultiDict({name.replace("_", "-"): value for name, value in values.items()})


def refused(function, *arguments) -> InvalidInput:
    """The InvalidInput a call is refused with (always a 400)."""
    with pytest.raises(InvalidInput) as raised:
        function(*arguments)
    assert raised.value.status == 400
    return raised.value


def query(**values) -> params.ItemsQuery:
    return params.items_query(args(**values), CHOICES)


# --- crs.py --------------------------------------------------------------------------------------

def test_crs84_is_lon_lat_and_epsg_4326_is_lat_lon():
    assert (crs.CRS84.uri, crs.CRS84.srid, crs.CRS84.lat_first) == (CRS84_URI, 4326, False)
    assert (LAT_LON.uri, LAT_LON.srid, LAT_LON.lat_first) == (f"{EPSG}4326", 4326, True)
    assert (BNG.uri, BNG.srid, BNG.lat_first) == (f"{EPSG}27700", 27700, False)


@pytest.mark.parametrize(("work_srid", "srids"), [
    (27700, [4326, 4326, 27700]),
    (3857, [4326, 4326, 3857, 27700]),  # the working CRS, then British National Grid
    (4326, [4326, 4326, 27700]),  # no EPSG:4326 twice
])
def test_supported_crss_start_with_crs84_and_always_offer_british_national_grid(work_srid, srids):
    supported = crs.supported(work_srid)
    assert supported[0] == crs.CRS84
    assert supported[1] == LAT_LON
    assert [c.srid for c in supported] == srids
    assert len({c.uri for c in supported}) == len(supported)


@pytest.mark.parametrize(("value", "expected"), [
    (None, crs.CRS84), ("", crs.CRS84), (CRS84_URI, crs.CRS84),
    (f"{EPSG}4326", LAT_LON), (f"{EPSG}27700", BNG),
    ("https://www.opengis.net/def/crs/EPSG/0/27700", BNG),
    (f"  {EPSG}27700 ", BNG),
    ("[EPSG:27700]", BNG), ("[EPSG:4326]", LAT_LON), ("[OGC:CRS84]", crs.CRS84),
])
def test_parse_reads_uris_and_safe_curies(value, expected):
    assert crs.parse(value, CHOICES, "crs") == expected


@pytest.mark.parametrize("value", [f"{EPSG}3857", "[EPSG:3857]", "CRS84x", "urn:ogc:def:crs:EPSG::",
                                   f"{EPSG}27700/extra", "[EPSG:]", "[]", "27700"])
def test_parse_refuses_other_crss_naming_the_parameter_and_the_choices(value):
    problem = refused(crs.parse, value, CHOICES, "bbox-crs")
    assert problem.field == "bbox-crs"
    assert CRS84_URI in problem.message and f"{EPSG}27700" in problem.message


def test_the_content_crs_header_is_the_uri_in_angle_brackets():
    assert crs.header_value(BNG) == f"<{EPSG}27700>"
    assert crs.header_value(crs.CRS84) == f"<{CRS84_URI}>"


# --- check_known and f ---------------------------------------------------------------------------

def test_known_parameters_pass():
    params.check_known(args(f="json", limit="5"), params.ITEMS)
    params.check_known(MultiDict(), ())


@pytest.mark.parametrize("name", ["colour", "Limit", "LIMIT", "bbox_crs", "f ", "callback"])
def test_unknown_parameters_are_refused_by_name(name):
    problem = refused(params.check_known, MultiDict({name: "1"}), params.ITEMS)
    assert problem.field == name
    assert "Unknown parameter" in problem.message and "limit" in problem.message


@pytest.mark.parametrize("name", ["token", "access_token", "api_key", "apikey", "key",
                                  "password", "auth", "Access_Token", "TOKEN"])
def test_a_token_in_the_address_is_refused_with_the_right_advice(name):
    problem = refused(params.check_known, MultiDict({name: "secret"}), params.ITEMS)
    assert problem.field == name
    assert "Authorization header" in problem.message
    assert "secret" not in problem.message


def test_a_parameter_given_twice_is_refused():
    twice = MultiDict([("limit", "5"), ("limit", "6")])
    assert refused(params.check_known, twice, params.ITEMS).field == "limit"


@pytest.mark.parametrize(("value", "expected"), [(None, None), ("json", "json"),
                                                 ("html", "html")])
def test_wanted_format(value, expected):
    given = MultiDict() if value is None else args(f=value)
    assert params.wanted_format(given) == expected


@pytest.mark.parametrize("value", ["xml", "geojson", "", "json,html"])
def test_other_formats_are_refused(value):
    assert refused(params.wanted_format, args(f=value)).field == "f"


# --- items_query: defaults, limit and offset -----------------------------------------------------

def test_an_empty_request_asks_for_the_first_ten_features_in_crs84():
    asked = params.items_query(MultiDict(), CHOICES)
    assert asked == params.ItemsQuery(crs=crs.CRS84, limit=10, offset=0, bbox=None, period=None,
                                      filter=None, filter_crs=crs.CRS84)


@pytest.mark.parametrize(("limit", "expected"), [("1", 1), ("250", 250), ("10000", 10000),
                                                 ("10001", 10000), ("99999999999999999999", 10000),
                                                 (" 7", 7), ("+3", 3)])
def test_limit_is_a_whole_number_cut_to_ten_thousand(limit, expected):
    assert query(limit=limit).limit == expected == min(expected, params.MAX_LIMIT)


@pytest.mark.parametrize("limit", ["0", "-1", "abc", "", "2.5", "1e3", "0x10", "ten"])
def test_a_limit_below_one_or_not_a_whole_number_is_refused(limit):
    with pytest.raises(InvalidInput) as raised:
        query(limit=limit)
    assert raised.value.field == "limit"


@pytest.mark.parametrize(("offset", "expected"), [("0", 0), ("30", 30),
                                                  ("999999999999", params.MAX_OFFSET)])
def test_offset_starts_at_zero_and_is_bounded(offset, expected):
    assert query(offset=offset).offset == expected


@pytest.mark.parametrize("offset", ["-1", "x", ""])
def test_a_negative_or_unreadable_offset_is_refused(offset):
    with pytest.raises(InvalidInput) as raised:
        query(offset=offset)
    assert raised.value.field == "offset"


def test_crs_is_read_from_the_request():
    assert query(crs=f"{EPSG}27700").crs == BNG
    assert query(crs="[EPSG:4326]").crs == LAT_LON
    with pytest.raises(InvalidInput) as raised:
        query(crs="EPSG:3857")
    assert raised.value.field == "crs"


# --- bbox ----------------------------------------------------------------------------------------

def box(**values) -> params.Bbox | None:
    return params.bbox(args(**values), CHOICES)


def corners(found: params.Bbox) -> tuple[float, float, float, float]:
    return found.west, found.south, found.east, found.north


def test_no_bbox_is_none():
    assert box() is None


def test_a_crs84_bbox_is_lon_lat():
    found = box(bbox="-0.1,51.4,0.2,51.6")
    assert corners(found) == (-0.1, 51.4, 0.2, 51.6) and found.crs == crs.CRS84


def test_an_epsg_4326_bbox_is_lat_lon_and_is_turned_into_west_south_east_north():
    found = box(bbox="51.4,-0.1,51.6,0.2", bbox_crs=f"{EPSG}4326")
    assert corners(found) == (-0.1, 51.4, 0.2, 51.6) and found.crs == LAT_LON


def test_a_british_national_grid_bbox_is_in_metres():
    found = box(bbox="530000,170000,540000,180000", bbox_crs="[EPSG:27700]")
    assert corners(found) == (530000, 170000, 540000, 180000) and found.crs == BNG


def test_a_six_number_bbox_drops_the_heights():
    assert corners(box(bbox="-0.1,51.4,-20,0.2,51.6,300")) == (-0.1, 51.4, 0.2, 51.6)
    lat_lon = box(bbox="51.4,-0.1,0,51.6,0.2,10", bbox_crs=f"{EPSG}4326")
    assert corners(lat_lon) == (-0.1, 51.4, 0.2, 51.6)


def test_a_lon_lat_bbox_may_cross_the_antimeridian():
    assert corners(box(bbox="170,-10,-170,10")) == (170, -10, -170, 10)


def test_whitespace_and_integers_are_read_as_numbers():
    assert corners(box(bbox=" 0, 51 ,1,52")) == (0.0, 51.0, 1.0, 52.0)


@pytest.mark.parametrize(("values", "field"), [
    ({"bbox_crs": CRS84_URI}, "bbox-crs"),  # bbox-crs without bbox
    ({"bbox": "1,2,3"}, "bbox"), ({"bbox": "1,2,3,4,5"}, "bbox"),
    ({"bbox": "1,2,3,4,5,6,7"}, "bbox"), ({"bbox": ""}, "bbox"), ({"bbox": "a,b,c,d"}, "bbox"),
    ({"bbox": "0,51,1,nan"}, "bbox"), ({"bbox": "0,51,inf,52"}, "bbox"),
    ({"bbox": "0,52,1,51"}, "bbox"),  # north below south
    ({"bbox": "0,-91,1,1"}, "bbox"), ({"bbox": "-181,0,1,1"}, "bbox"),
    ({"bbox": "0,0,1,91"}, "bbox"),
    ({"bbox": "95,0,96,1", "bbox_crs": f"{EPSG}4326"}, "bbox"),  # latitude 95 (lat first)
    ({"bbox": "540000,170000,530000,180000", "bbox_crs": f"{EPSG}27700"}, "bbox"),  # east < west
    ({"bbox": "0,51,1,52", "bbox_crs": f"{EPSG}3857"}, "bbox-crs"),
])
def test_bad_bboxes_are_refused_naming_the_parameter(values, field):
    with pytest.raises(InvalidInput) as raised:
        box(**values)
    assert raised.value.field == field


def test_the_items_query_carries_the_bbox():
    assert corners(query(bbox="0,51,1,52").bbox) == (0, 51, 1, 52)


# --- datetime ------------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    ("2026-10-01", (date(2026, 10, 1), date(2026, 10, 1))),
    ("2026-10-01T09:00:00Z", (date(2026, 10, 1), date(2026, 10, 1))),
    ("2026-10-01t09:00:00z", (date(2026, 10, 1), date(2026, 10, 1))),  # RFC 3339 allows it
    ("2026-10-01T23:30:00-02:00", (date(2026, 10, 2), date(2026, 10, 2))),  # 01:30 UTC
    ("2026-10-01T00:30:00+01:00", (date(2026, 9, 30), date(2026, 9, 30))),
    ("2026-09-01/2026-12-31", (date(2026, 9, 1), date(2026, 12, 31))),
    ("2026-09-01/..", (date(2026, 9, 1), None)),
    ("../2026-12-31", (None, date(2026, 12, 31))),
    ("2026-09-01/", (date(2026, 9, 1), None)),
    ("/2026-12-31", (None, date(2026, 12, 31))),
    ("../..", (None, None)),
    ("2026-09-01T08:00:00Z/2026-09-01T17:00:00Z", (date(2026, 9, 1), date(2026, 9, 1))),
])
def test_datetime_is_read_as_inclusive_days_with_open_ends(value, expected):
    assert params.period(args(datetime=value)) == expected
    assert query(datetime=value).period == expected


def test_no_datetime_is_no_period():
    assert params.period(MultiDict()) is None


@pytest.mark.parametrize("value", [
    "", "..", "yesterday", "2026-13-01", "2026-02-30", "2026-10-01T09:00:00",  # no time zone
    "2026-10-01T25:00:00Z", "2026-12-31/2026-09-01", "2026-09-01/2026-10-01/2026-11-01",
    "2026-09-01/next-week", "20261001",
])
def test_bad_datetimes_are_refused(value):
    with pytest.raises(InvalidInput) as raised:
        params.period(args(datetime=value))
    assert raised.value.field == "datetime"


# --- filter --------------------------------------------------------------------------------------

def test_a_filter_is_kept_as_text_with_its_crs():
    asked = query(filter="cell_m = 150", filter_lang="cql2-text", filter_crs=f"{EPSG}27700")
    assert (asked.filter, asked.filter_crs) == ("cell_m = 150", BNG)
    assert query(filter="cell_m = 150").filter_crs == crs.CRS84


@pytest.mark.parametrize(("values", "field"), [
    ({"filter": "cell_m = 150", "filter_lang": "cql2-json"}, "filter-lang"),
    ({"filter_lang": "ecql"}, "filter-lang"),
    ({"filter": ""}, "filter"), ({"filter": "   "}, "filter"),
    ({"filter_crs": CRS84_URI}, "filter-crs"),  # filter-crs without filter
    ({"filter": "cell_m = 150", "filter_crs": "[EPSG:3857]"}, "filter-crs"),
])
def test_bad_filter_parameters_are_refused(values, field):
    with pytest.raises(InvalidInput) as raised:
        query(**values)
    assert raised.value.field == field


def test_items_query_refuses_unknown_parameters_and_bad_formats():
    with pytest.raises(InvalidInput) as raised:
        params.items_query(args(sortby="name"), CHOICES)
    assert raised.value.field == "sortby"
    with pytest.raises(InvalidInput) as raised:
        params.items_query(args(f="csv"), CHOICES)
    assert raised.value.field == "f"


# --- item_crs ------------------------------------------------------------------------------------

def test_a_single_item_takes_only_f_and_crs():
    assert params.item_crs(MultiDict(), CHOICES) == crs.CRS84
    assert params.item_crs(args(f="html", crs=f"{EPSG}4326"), CHOICES) == LAT_LON
    for name in ("limit", "bbox", "filter", "datetime", "token"):
        with pytest.raises(InvalidInput) as raised:
            params.item_crs(MultiDict({name: "1"}), CHOICES)
        assert raised.value.field == name
    with pytest.raises(InvalidInput):
        params.item_crs(args(f="pdf"), CHOICES)
