//! Made-up employees for the sample file, the tests and the benchmarks: the same seed and count
//! always give the same bytes. Every name is invented and every address is at example.com.

use std::io::{self, Write};

const FIRST_NAMES: &[&str] = &[
    "Quilla",
    "Bramwen",
    "Tavio",
    "Oriel",
    "Zephra",
    "Mordane",
    "Ilsabet",
    "Corvin",
    "Fennick",
    "Yarrowyn",
    "Thaddeo",
    "Lumi",
    "Ossian",
    "Petrawyn",
    "Rurik",
    "Sablewyn",
    "Tindra",
    "Ulfric",
    "Vesper",
    "Wrenna",
    "Xanthe",
    "Aldous",
    "Brisa",
    "Caspian",
    "Dellamy",
    "Eowick",
    "Galvane",
    "Hestia",
    "Ivo",
    "Jessamine",
];

const LAST_NAMES: &[&str] = &[
    "Fernwhistle",
    "Copperkettle",
    "Marrowby",
    "Thistledown",
    "Quillfeather",
    "Bramblecombe",
    "Mossbottom",
    "Puddlefoot",
    "Gristlewick",
    "Tumbleweed",
    "Honeycrisp",
    "Wobbleton",
    "Nettlebury",
    "Saltmarsh",
    "Pennywhistle",
    "Oakenshaw",
    "Dapplegrove",
    "Larkspur",
    "Featherstone",
    "Ravensworth",
];

const DEPARTMENTS: &[(&str, &[&str])] = &[
    (
        "Engineering",
        &[
            "Software Engineer",
            "Senior Software Engineer",
            "Staff Engineer",
            "Engineering Manager",
        ],
    ),
    (
        "Finance",
        &["Accountant", "Financial Analyst", "Controller"],
    ),
    ("People", &["Recruiter", "People Partner", "Head of People"]),
    (
        "Sales",
        &["Account Executive", "Sales Engineer", "Regional Director"],
    ),
    ("Support", &["Support Specialist", "Support Lead"]),
    (
        "Marketing",
        &["Content Writer", "Product Marketer", "Designer"],
    ),
];

const STREETS: &[&str] = &[
    "Lantern Lane",
    "Gumdrop Row",
    "Kettle Court",
    "Moonbeam Way",
    "Thimble Street",
    "Puffin Place",
];

const OFFICES: &[&str] = &["Northhaven", "Southmere", "Eastbrook", "Westfold"];

/// The header of the sample: the eight profile columns, then custom attributes.
pub const HEADER: &str = "externalId,userName,email,secondEmail,firstName,lastName,mobilePhone,homeAddress,\
                          department,title,costCenter,office,employeeNumber,startDate";

/// A small deterministic generator (SplitMix64).
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

/// Writes the employees numbered `numbers` as CSV (header first), the same bytes for the same
/// numbers and `seed`. Employee `n` has the external id `emp-{n:07}`.
pub fn write_csv(
    out: &mut impl Write,
    numbers: std::ops::RangeInclusive<u64>,
    seed: u64,
) -> io::Result<()> {
    let mut dice = Dice(seed);
    writeln!(out, "{HEADER}")?;
    for n in numbers {
        let first = dice.pick(FIRST_NAMES);
        let last = dice.pick(LAST_NAMES);
        let login = format!(
            "{}.{}.{n}@example.com",
            first.to_lowercase(),
            last.to_lowercase()
        );
        let (department, titles) = dice.pick(DEPARTMENTS);
        let title = dice.pick(titles);
        let phone = if dice.next().is_multiple_of(5) {
            String::new()
        } else {
            format!("+1 555 01{:02}", dice.next() % 100)
        };
        let home = format!(
            "\"{} {}, Apt {}\"",
            1 + dice.next() % 999,
            dice.pick(STREETS),
            1 + dice.next() % 40
        );
        writeln!(
            out,
            "emp-{n:07},{login},{login},{}.{n}@personal.example.com,{first},{last},{phone},{home},{department},{title},CC-{:03},{},{n},20{:02}-{:02}-{:02}",
            first.to_lowercase(),
            100 + dice.next() % 20,
            dice.pick(OFFICES),
            10 + dice.next() % 16,
            1 + dice.next() % 12,
            1 + dice.next() % 28,
        )?;
    }
    Ok(())
}
