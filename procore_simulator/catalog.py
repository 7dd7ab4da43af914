"""Word lists the seeded world is built from: places, trades, names and phrases.

All entries are invented for the simulator. Phone numbers use the fictional 555-01xx range,
e-mail domains use the reserved ``.example`` top-level domain.
"""

from __future__ import annotations

from typing import NamedTuple


class City(NamedTuple):
    """A US city with the location fields Procore returns on a project or vendor."""

    name: str
    state_code: str
    zip: str
    county: str
    latitude: float
    longitude: float
    time_zone: str
    tz_name: str
    area_code: str


class Division(NamedTuple):
    """A CSI MasterFormat division: bid package title and the trades that bid on it."""

    number: str
    title: str
    trades: tuple[str, ...]
    vendor_words: tuple[str, ...]
    share: float  # rough fraction of a project's value spent on this division


MOUNTAIN = ("Mountain Time (US & Canada)", "America/Denver")
CENTRAL = ("Central Time (US & Canada)", "America/Chicago")
ARIZONA = ("Arizona", "America/Phoenix")
PACIFIC = ("Pacific Time (US & Canada)", "America/Los_Angeles")

CITIES: tuple[City, ...] = (
    City("Denver", "CO", "80202", "Denver", 39.7392, -104.9903, *MOUNTAIN, "303"),
    City("Aurora", "CO", "80012", "Arapahoe", 39.7294, -104.8319, *MOUNTAIN, "303"),
    City("Boulder", "CO", "80302", "Boulder", 40.0150, -105.2705, *MOUNTAIN, "303"),
    City("Fort Collins", "CO", "80524", "Larimer", 40.5853, -105.0844, *MOUNTAIN, "970"),
    City("Colorado Springs", "CO", "80903", "El Paso", 38.8339, -104.8214, *MOUNTAIN, "719"),
    City("Salt Lake City", "UT", "84101", "Salt Lake", 40.7608, -111.8910, *MOUNTAIN, "801"),
    City("Provo", "UT", "84601", "Utah", 40.2338, -111.6585, *MOUNTAIN, "801"),
    City("Boise", "ID", "83702", "Ada", 43.6150, -116.2023, *MOUNTAIN, "208"),
    City("Albuquerque", "NM", "87102", "Bernalillo", 35.0844, -106.6504, *MOUNTAIN, "505"),
    City("Phoenix", "AZ", "85004", "Maricopa", 33.4484, -112.0740, *ARIZONA, "602"),
    City("Tempe", "AZ", "85281", "Maricopa", 33.4255, -111.9400, *ARIZONA, "480"),
    City("Tucson", "AZ", "85701", "Pima", 32.2226, -110.9747, *ARIZONA, "520"),
    City("Austin", "TX", "78701", "Travis", 30.2672, -97.7431, *CENTRAL, "512"),
    City("Round Rock", "TX", "78664", "Williamson", 30.5083, -97.6789, *CENTRAL, "512"),
    City("San Antonio", "TX", "78205", "Bexar", 29.4241, -98.4936, *CENTRAL, "210"),
    City("Dallas", "TX", "75201", "Dallas", 32.7767, -96.7970, *CENTRAL, "214"),
    City("Fort Worth", "TX", "76102", "Tarrant", 32.7555, -97.3308, *CENTRAL, "817"),
    City("Houston", "TX", "77002", "Harris", 29.7604, -95.3698, *CENTRAL, "713"),
    City("Oklahoma City", "OK", "73102", "Oklahoma", 35.4676, -97.5164, *CENTRAL, "405"),
    City("Tulsa", "OK", "74103", "Tulsa", 36.1540, -95.9928, *CENTRAL, "918"),
    City("Kansas City", "MO", "64106", "Jackson", 39.0997, -94.5786, *CENTRAL, "816"),
    City("Omaha", "NE", "68102", "Douglas", 41.2565, -95.9345, *CENTRAL, "402"),
    City("Nashville", "TN", "37203", "Davidson", 36.1627, -86.7816, *CENTRAL, "615"),
    City("Sacramento", "CA", "95814", "Sacramento", 38.5816, -121.4944, *PACIFIC, "916"),
    City("Fresno", "CA", "93721", "Fresno", 36.7378, -119.7871, *PACIFIC, "559"),
    City("Reno", "NV", "89501", "Washoe", 39.5296, -119.8138, *PACIFIC, "775"),
    City("Las Vegas", "NV", "89101", "Clark", 36.1699, -115.1398, *PACIFIC, "702"),
    City("Spokane", "WA", "99201", "Spokane", 47.6588, -117.4260, *PACIFIC, "509"),
)

COMPANY_NAMES: tuple[str, ...] = (
    "Summit Ridge Builders",
    "Granite Peak Construction",
    "Harbor Point Contractors",
    "Ironwood General Contracting",
    "Bluewater Construction Group",
    "Red Mesa Builders",
    "Northgate Construction Co.",
    "Cedar Valley Constructors",
)

STREET_NAMES: tuple[str, ...] = (
    "Main St",
    "Market St",
    "Colfax Ave",
    "Broadway",
    "Lincoln Ave",
    "Industrial Pkwy",
    "Commerce Dr",
    "Canyon Blvd",
    "Cottonwood Ln",
    "Mesa Verde Dr",
    "River Rd",
    "Airport Blvd",
    "Frontage Rd",
    "College Ave",
    "Highland Dr",
    "Prospect St",
    "Union Blvd",
    "Sunset Ave",
    "Railroad Ave",
    "Ridgeview Pkwy",
)

PLACE_WORDS: tuple[str, ...] = (
    "Riverside",
    "Cottonwood",
    "Mesa Vista",
    "Lakeshore",
    "Pinecrest",
    "Silver Creek",
    "Highland Park",
    "Aspen Grove",
    "Canyon View",
    "Willow Bend",
    "Eagle Point",
    "Sandstone",
    "Meadowbrook",
    "Stonegate",
    "Prairie Wind",
    "Juniper Hills",
    "Bear Creek",
    "Union Station",
    "Old Town",
    "Westfield",
    "Northridge",
    "Sunrise",
    "Clear Creek",
    "Foothills",
)

BUILDING_TYPES: tuple[tuple[str, str, str], ...] = (
    # (name, Procore project type, sector)
    ("Medical Office Building", "Healthcare", "Healthcare"),
    ("Elementary School", "Education", "Public"),
    ("Middle School Gymnasium Addition", "Education", "Public"),
    ("High School Career Center", "Education", "Public"),
    ("Fire Station", "Civic", "Public"),
    ("Distribution Center", "Industrial", "Commercial"),
    ("Parking Structure", "Parking", "Commercial"),
    ("Community Library", "Civic", "Public"),
    ("Senior Living Community", "Residential", "Commercial"),
    ("Hotel", "Hospitality", "Commercial"),
    ("Mixed-Use Apartments", "Multifamily", "Commercial"),
    ("Office Tenant Improvement", "Interiors", "Commercial"),
    ("Recreation Center", "Civic", "Public"),
    ("Data Center", "Mission Critical", "Commercial"),
    ("Water Treatment Plant Upgrade", "Infrastructure", "Public"),
    ("Retail Center", "Retail", "Commercial"),
    ("Office Building", "Commercial Office", "Commercial"),
    ("Credit Union Branch", "Financial", "Commercial"),
    ("Church Fellowship Hall", "Religious", "Private"),
    ("Urgent Care Clinic", "Healthcare", "Healthcare"),
    ("Cold Storage Warehouse", "Industrial", "Commercial"),
    ("Police Substation", "Civic", "Public"),
)

NAME_SUFFIXES: tuple[str, ...] = ("", "", "", " Phase II", " Renovation", " Expansion")

DELIVERY_METHODS: tuple[str, ...] = (
    "Design-Bid-Build",
    "Design-Build",
    "CM at Risk",
    "Negotiated",
)

ACTIVE_STAGES: tuple[str, ...] = ("Bidding", "Pre-Construction", "Course of Construction")
INACTIVE_STAGES: tuple[str, ...] = ("Post-Construction", "Warranty", "Closed")
STAGE_IDS: dict[str, int] = {
    "Bidding": 1,
    "Pre-Construction": 2,
    "Course of Construction": 3,
    "Post-Construction": 4,
    "Warranty": 5,
    "Closed": 6,
}

DIVISIONS: tuple[Division, ...] = (
    Division("02", "Existing Conditions", ("Demolition", "Abatement"), ("Demolition",), 0.02),
    Division("03", "Concrete", ("Concrete", "Rebar"), ("Concrete", "Foundations"), 0.10),
    Division("04", "Masonry", ("Masonry",), ("Masonry", "Stoneworks"), 0.04),
    Division("05", "Metals", ("Structural Steel", "Miscellaneous Metals"), ("Steel",), 0.08),
    Division(
        "06",
        "Wood, Plastics, and Composites",
        ("Rough Carpentry", "Finish Carpentry", "Millwork"),
        ("Carpentry", "Millwork"),
        0.04,
    ),
    Division(
        "07",
        "Thermal and Moisture Protection",
        ("Roofing", "Waterproofing", "Insulation"),
        ("Roofing", "Waterproofing"),
        0.05,
    ),
    Division("08", "Openings", ("Doors and Hardware", "Glass and Glazing"), ("Glass",), 0.05),
    Division(
        "09",
        "Finishes",
        ("Drywall", "Painting", "Flooring", "Acoustical Ceilings"),
        ("Drywall", "Painting", "Flooring", "Interiors"),
        0.09,
    ),
    Division("10", "Specialties", ("Toilet Accessories", "Signage"), ("Specialties",), 0.01),
    Division("11", "Equipment", ("Food Service Equipment",), ("Equipment",), 0.02),
    Division("12", "Furnishings", ("Casework", "Window Treatments"), ("Interiors",), 0.02),
    Division("14", "Conveying Equipment", ("Elevators",), ("Elevator",), 0.03),
    Division("21", "Fire Suppression", ("Fire Sprinklers",), ("Fire Protection",), 0.02),
    Division("22", "Plumbing", ("Plumbing",), ("Plumbing",), 0.06),
    Division("23", "HVAC", ("HVAC", "Sheet Metal", "Controls"), ("Mechanical", "Air"), 0.11),
    Division("26", "Electrical", ("Electrical",), ("Electric", "Power"), 0.10),
    Division("27", "Communications", ("Low Voltage", "Audio Visual"), ("Technologies",), 0.02),
    Division(
        "28", "Electronic Safety and Security", ("Fire Alarm", "Access Control"), ("Systems",), 0.02
    ),
    Division("31", "Earthwork", ("Excavation", "Grading"), ("Excavating", "Earthworks"), 0.05),
    Division(
        "32", "Exterior Improvements", ("Paving", "Landscaping", "Fencing"), ("Paving",), 0.04
    ),
    Division("33", "Utilities", ("Site Utilities",), ("Underground", "Utilities"), 0.03),
)

VENDOR_PREFIXES: tuple[str, ...] = (
    "Keystone",
    "Apex",
    "Frontier",
    "Sierra",
    "Copperline",
    "Timberline",
    "Bedrock",
    "Clearwater",
    "Tri-County",
    "Front Range",
    "Pioneer",
    "Evergreen",
    "Sunbelt",
    "Benchmark",
    "Cornerstone",
    "Liberty",
    "Precision",
    "Allied",
    "Rocky Mountain",
    "Desert Sun",
    "Mountain West",
    "True North",
    "Lone Star",
    "Big Sky",
    "Iron Horse",
    "Red Rock",
    "High Plains",
    "Centennial",
    "Palisade",
    "Continental",
    "Heritage",
    "Blue Spruce",
    "Arrowhead",
    "Silverline",
    "Redstone",
    "Horizon",
    "Sagebrush",
    "Cobalt",
    "Bristlecone",
    "Prairie",
)

VENDOR_SUFFIXES: tuple[str, ...] = (
    "Inc.",
    "LLC",
    "Co.",
    "Contractors",
    "Corp.",
    "& Sons",
    "Group",
    "Services",
)

FIRST_NAMES: tuple[str, ...] = (
    "Alex",
    "Maria",
    "James",
    "Priya",
    "Luis",
    "Hannah",
    "Marcus",
    "Keiko",
    "Daniel",
    "Sofia",
    "Tyler",
    "Aisha",
    "Brandon",
    "Elena",
    "Caleb",
    "Grace",
    "Jorge",
    "Megan",
    "Andre",
    "Olivia",
    "Ryan",
    "Nadia",
    "Cody",
    "Lauren",
)

LAST_NAMES: tuple[str, ...] = (
    "Martinez",
    "Nguyen",
    "Johnson",
    "Patel",
    "Garcia",
    "Thompson",
    "Okafor",
    "Yamamoto",
    "Sullivan",
    "Rossi",
    "Bennett",
    "Hassan",
    "Kowalski",
    "Reyes",
    "Fischer",
    "Walker",
    "Delgado",
    "Brooks",
    "Lindqvist",
    "Chavez",
    "Murphy",
    "Ibrahim",
    "Hughes",
    "Tran",
)

JOB_TITLES: tuple[str, ...] = (
    "Senior Estimator",
    "Project Manager",
    "Preconstruction Manager",
    "Estimator",
    "Project Engineer",
)

BIDDER_COMMENTS: tuple[str, ...] = (
    "Pricing holds for 30 days from the bid date.",
    "Excludes winter protection and temporary heat.",
    "Includes one mobilization; additional mobilizations billed separately.",
    "Bond cost included at 1.2%.",
    "Assumes normal working hours, Monday through Friday.",
    "Excludes permits and inspection fees.",
    "Alternate 2 pricing attached separately.",
    "Material escalation clause applies to steel and copper.",
    "Includes sales tax on materials.",
    "Qualified per addendum 3.",
)

PRE_BID_NOTES: tuple[str, ...] = (
    "Meet at the site trailer; hard hats and safety vests required.",
    "Park on the north lot and sign in at the main gate.",
    "Walkthrough limited to two attendees per firm.",
)
