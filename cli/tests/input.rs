//! The readers on real files: what each column becomes, and where each problem is reported.

use std::path::{Path, PathBuf};

use okta_import_cli::args::Format;
use okta_import_cli::input::{
    ColumnMap, Delimiter, ReadOptions, UserRow, read_deactivations, read_users, users_from_reader,
};

/// Writes `bytes` to a file named `name` in a fresh directory.
fn file(name: &str, bytes: &[u8]) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    (dir, path)
}

/// Every record of a users file, or the message of each problem.
fn read_all(path: &Path, options: &ReadOptions) -> Vec<Result<UserRow, String>> {
    let users = read_users(path, options).unwrap();
    users
        .map(|r| r.map_err(|e| e.to_string().replace(&path.display().to_string(), "FILE")))
        .collect()
}

fn header_error(path: &Path, options: &ReadOptions) -> String {
    let error = read_users(path, options)
        .err()
        .expect("the file is refused");
    error
        .to_string()
        .replace(&path.display().to_string(), "FILE")
}

/// The ids of a deactivation file, or why each record is refused, its path written FILE.
fn deactivation_ids(path: &Path) -> Vec<Result<String, String>> {
    read_deactivations(path, Delimiter::default())
        .unwrap()
        .map(|row| {
            row.map(|row| row.external_id)
                .map_err(|e| e.to_string().replace(&path.display().to_string(), "FILE"))
        })
        .collect()
}

/// Why a deactivation file is refused, its path written FILE.
fn deactivations_error(path: &Path) -> String {
    let error = read_deactivations(path, Delimiter::default())
        .err()
        .expect("the file is refused");
    error
        .to_string()
        .replace(&path.display().to_string(), "FILE")
}

#[test]
fn csv_columns_map_to_the_profile_case_insensitively_and_the_rest_are_custom_attributes() {
    let (_dir, path) = file(
        "users.csv",
        b"EXTERNALID,username,Email,firstname,LastName,mobilePhone,homeAddress,secondEmail,department\n\
          e1,ada@example.com,ada@example.com,Ada,Lovelace,,\"1 Lane, Town\",a2@example.com,R&D\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    let user = rows[0].as_ref().unwrap();
    assert_eq!(user.external_id, "e1");
    assert_eq!(user.location.to_string(), format!("{}:2", path.display()));
    let json = serde_json::to_value(&user.profile).unwrap();
    assert_eq!(
        json,
        serde_json::json!({
            "userName": "ada@example.com", "email": "ada@example.com", "firstName": "Ada",
            "lastName": "Lovelace", "homeAddress": "1 Lane, Town", "secondEmail": "a2@example.com",
            "department": "R&D"
        }),
        "the empty mobilePhone is left out"
    );
}

#[test]
fn empty_as_null_clears_nullable_attributes_and_leaves_the_others_out_and_blank_cells_are_empty() {
    // A cell of spaces only is as blank as an empty one; a value keeps its spaces.
    let (_dir, path) = file(
        "users.csv",
        b"externalId,email,firstName,mobilePhone,department,title\ne1,,  ,,\t, Chief \n",
    );
    let options = ReadOptions {
        empty_as_null: true,
        ..ReadOptions::default()
    };
    let rows = read_all(&path, &options);
    let json = serde_json::to_value(&rows[0].as_ref().unwrap().profile).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"firstName": null, "mobilePhone": null, "title": " Chief "})
    );
    let rows = read_all(&path, &ReadOptions::default());
    let json = serde_json::to_value(&rows[0].as_ref().unwrap().profile).unwrap();
    assert_eq!(json, serde_json::json!({"title": " Chief "}));
}

#[test]
fn a_map_file_renames_and_drops_columns() {
    let (_dir, map) = file(
        "map.csv",
        b"column,attribute\nEmployee ID,externalId\nWork Mail,email\nSalary,\n",
    );
    let (_dir2, path) = file(
        "hr.csv",
        b"Employee ID,Work Mail,Salary,Dept\n7,x@example.com,100,Ops\n",
    );
    let options = ReadOptions {
        columns: ColumnMap::read(&map).unwrap(),
        ..ReadOptions::default()
    };
    let rows = read_all(&path, &options);
    let user = rows[0].as_ref().unwrap();
    assert_eq!(user.external_id, "7");
    let json = serde_json::to_value(&user.profile).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"email": "x@example.com", "Dept": "Ops"})
    );
}

#[test]
fn a_map_file_with_a_bad_row_or_a_repeated_column_is_refused_at_its_line() {
    let error = |bytes: &[u8]| {
        let (_dir, map) = file("map.csv", bytes);
        ColumnMap::read(&map)
            .expect_err("refused")
            .to_string()
            .replace(&map.display().to_string(), "MAP")
    };
    assert_eq!(
        error(b"column,attribute\nA,externalId\nB\n"),
        "MAP:3: 1 field; a row of a map file is `column,attribute`"
    );
    assert_eq!(
        error(b"column,attribute\nA,externalId\na,email\n"),
        "MAP:3: the column `a` is mapped twice"
    );
    assert_eq!(
        error(b"from,to\n"),
        "MAP:1: a map file starts with the header `column,attribute`"
    );
    // A quote never closed would take the rows after it into one attribute's name.
    assert_eq!(
        error(b"column,attribute\nMail,\"email\nDept,department\n"),
        "MAP:2: column 2: a quote opened at line 2 is never closed: the rest of the file, to line 3, \
         was read as one field, and nothing after it can be read"
    );
    assert_eq!(
        error(b"column,attribute\nDept,department\nMail,\"email"),
        "MAP:3: column 2: a quote opened here is never closed before the file ends"
    );
    assert_eq!(
        error(b"column,attribute\nMail,\"e\"mail\"\n"),
        "MAP:2: column 2: text follows the closing quote of a quoted value (a quote inside a quoted \
         value is written twice: \"\")"
    );
    assert_eq!(
        error(b"column,attribute\nMail,\"e\x07mail\"\n"),
        "MAP:2: column 2: the attribute \"e\\u{7}mail\" has a control character (a line break?); an \
         attribute's name is text on one line"
    );
    // A quote after a space is text in CSV: the name would keep its quotes.
    assert_eq!(
        error(b"column,attribute\nEmployee ID,externalId\nMail, \"email\"\n"),
        "MAP:3: column 2: the name \"email\" keeps its quotes, as CSV reads a quote after a \
         space, or one written twice, as text: write the name without them"
    );
    assert!(
        error(b"column,attribute\n \"Mail\",email\n")
            .starts_with("MAP:2: column 1: the name \"Mail\" keeps"),
    );
    // Quotes written twice are text too, whatever the spaces.
    assert_eq!(
        error(b"column,attribute\nMail,\"\"\"email\"\"\"\n"),
        "MAP:2: column 2: the name \"email\" keeps its quotes, as CSV reads a quote after a \
         space, or one written twice, as text: write the name without them"
    );
    assert_eq!(
        error(b"column,attribute\nMail,e\xffmail\n"),
        "MAP:2: column 2: invalid UTF-8 in the field after 1 valid bytes; save the file as UTF-8"
    );
}

/// Excel's first line `sep=;` names the delimiter, whatever `--delimiter` says; the header is
/// the line after it, and every line keeps its number in the file.
#[test]
fn an_excel_separator_line_names_the_delimiter_and_lines_keep_their_numbers() {
    let text = b"\xEF\xBB\xBFsep=;\r\nexternalId;email;department\r\ne1;a@example.com;R&D\r\n\
                 e2;b@example.com;Ops, Europe\r\n";
    let (_dir, path) = file("users.csv", text);
    let rows = read_all(&path, &ReadOptions::default());
    let rows: Vec<_> = rows.into_iter().map(Result::unwrap).collect();
    let read: Vec<_> = rows
        .iter()
        .map(|row| (row.external_id.as_str(), row.location.line))
        .collect();
    assert_eq!(read, [("e1", 3), ("e2", 4)]);
    let json = serde_json::to_value(&rows[1].profile).unwrap();
    assert_eq!(
        json,
        serde_json::json!({"email": "b@example.com", "department": "Ops, Europe"})
    );

    let (_dir, path) = file("users.csv", b"sep=|\nid|email\ne1|a@example.com\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:2: the header has no externalId column (its columns: \"id\", \"email\"); add one, \
         or name the column that holds the users' ids with --map FILE"
    );

    let (_dir, path) = file("gone.csv", b"sep=;\nname;externalId\nAda;e1\n");
    let leavers: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| {
            let row = row.unwrap();
            (row.external_id, row.location.line)
        })
        .collect();
    assert_eq!(leavers, [("e1".to_string(), 3)]);

    let (_dir, path) = file("gone.txt", b"sep=\t\nexternalId\treason\ne1\tleft\n");
    assert_eq!(
        deactivations_error(&path),
        "FILE:1: the first line `sep=\\t` names the delimiter of a CSV file, but the file is \
         read as one external id per line: name it .csv (or .tsv), or keep only the ids"
    );
}

/// Files joined one after the other (`cat monday.csv tuesday.csv`) repeat the header row:
/// that record is refused, not taken for a user (or a leaver) whose id is `externalId`.
#[test]
fn a_record_that_repeats_the_header_row_is_refused() {
    let text = b"externalId,firstName\ne1,Ada\n\xEF\xBB\xBFexternalId, firstName\ne2,Bob\n";
    let expected = "FILE:3: the record repeats the header row (files joined one after the \
                    other?); it is no user";
    let (_dir, path) = file("users.csv", text);
    let rows = read_all(&path, &ReadOptions::default());
    let ids: Vec<_> = rows
        .iter()
        .map(|row| {
            row.as_ref()
                .map(|u| u.external_id.as_str())
                .map_err(String::as_str)
        })
        .collect();
    assert_eq!(ids, [Ok("e1"), Err(expected), Ok("e2")]);
    let (_dir, path) = file("leavers.csv", text);
    let rows = deactivation_ids(&path);
    assert_eq!(
        rows,
        [
            Ok("e1".to_owned()),
            Err(expected.to_owned()),
            Ok("e2".to_owned())
        ]
    );
    // Lists of ids joined the same way: the column's name again is no id.
    let (_dir, path) = file("leavers.txt", b"externalId\ne1\n\nEXTERNALID\ne2\n");
    let rows = deactivation_ids(&path);
    let named_again = "FILE:4: the column's name, externalId, after other lines (lists \
                       joined one after the other?); it is no id";
    assert_eq!(
        rows,
        [
            Ok("e1".to_owned()),
            Err(named_again.to_owned()),
            Ok("e2".to_owned())
        ]
    );
    // A user whose values happen to be the names of other columns is one.
    let (_dir, path) = file("users.csv", b"externalId,firstName\nfirstName,externalId\n");
    assert!(read_all(&path, &ReadOptions::default())[0].is_ok());
}

/// A first line `sep=;` is taken over `--delimiter`, so a header it does not fit is said to
/// be the line's fault: advice to pass the flag would fail the same way again.
#[test]
fn a_separator_line_the_header_does_not_fit_is_named_as_what_to_correct() {
    let text = b"sep=;\nexternalId,email\ne1,a@x.com\n";
    let expected = "FILE:2: the first line `sep=;` names semicolons (;) as the delimiter, but \
                    the header is a single column holding commas (,): correct that line, or \
                    remove it";
    let (_dir, path) = file("users.csv", text);
    for delimiter in [b',', b';'] {
        let options = ReadOptions {
            delimiter: Delimiter(delimiter),
            ..ReadOptions::default()
        };
        assert_eq!(header_error(&path, &options), expected);
    }
    let (_dir, path) = file("leavers.csv", text);
    assert_eq!(deactivations_error(&path), expected);
}

#[test]
fn a_byte_order_mark_before_the_header_is_skipped() {
    let (_dir, path) = file(
        "users.csv",
        b"\xEF\xBB\xBFexternalId,email\ne1,a@example.com\n",
    );
    assert_eq!(
        read_all(&path, &ReadOptions::default())[0]
            .as_ref()
            .unwrap()
            .external_id,
        "e1"
    );
    let (_dir, path) = file("users.jsonl", b"\xEF\xBB\xBF{\"externalId\":\"j1\"}\n");
    assert_eq!(
        read_all(&path, &ReadOptions::default())[0]
            .as_ref()
            .unwrap()
            .external_id,
        "j1"
    );
}

#[test]
fn csv_record_problems_name_line_and_column_and_reading_goes_on() {
    let (_dir, path) = file(
        "users.csv",
        b"externalId,email,firstName\ne1,a@example.com\ne2,b@example.com,B,extra\ne3,c@example.com,\xE9mile\ne4,d@example.com,D\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    assert_eq!(
        rows[0],
        Err("FILE:2: column 3: 2 fields where the header has 3".into())
    );
    assert_eq!(
        rows[1],
        Err("FILE:3: column 4: 4 fields where the header has 3".into())
    );
    assert_eq!(
        rows[2],
        Err(
            "FILE:4: column 3: invalid UTF-8 in firstName after 0 valid bytes; save the file as UTF-8"
                .into()
        )
    );
    assert_eq!(rows[3].as_ref().unwrap().external_id, "e4");
    assert_eq!(rows[3].as_ref().unwrap().index, 3);
}

#[test]
fn csv_lines_are_counted_the_same_whatever_the_line_ends() {
    for end in ["\n", "\r\n", "\r"] {
        let text = [
            "externalId,email",
            "e1",
            "e2,\"b@example.com\"",
            "e3,\"two",
            "lines\",x",
            "e4,d@example.com",
            "",
        ]
        .join(end);
        let (_dir, path) = file("users.csv", text.as_bytes());
        let rows = read_all(&path, &ReadOptions::default());
        assert_eq!(
            rows[0],
            Err("FILE:2: column 2: 1 field where the header has 2".into()),
            "line ends {end:?}"
        );
        assert_eq!(
            rows[2],
            Err(
                "FILE:4: column 2: email holds a line break (a quoted value over several lines), which only homeAddress may"
                    .into()
            ),
            "line ends {end:?}"
        );
        assert_eq!(
            rows[3].as_ref().unwrap().location.line,
            6,
            "line ends {end:?}"
        );
    }
}

#[test]
fn csv_header_problems_refuse_the_file() {
    let (_dir, path) = file("users.csv", b"id,email\n1,a@example.com\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: the header has no externalId column (its columns: \"id\", \"email\"); add one, or name \
         the column that holds the users' ids with --map FILE"
    );
    let (_dir, path) = file("users.csv", b"externalId,Email,EMAIL\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: column 3: two columns hold `email`; rename or drop one with --map FILE"
    );
    let (_dir, path) = file("users.csv", b"");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: the file is empty; it must start with a header row"
    );
    // A quote after a space is text in CSV: the column would be an attribute `"dept"`.
    let (_dir, path) = file("users.csv", b"externalId, \"dept\"\ne1,R&D\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: column 2: the name \"dept\" keeps its quotes, as CSV reads a quote after a \
         space, or one written twice, as text: write the name without them"
    );
    let (_dir, path) = file("users.csv", b"sep=;\nexternalId;\"e\"mail\ne1;a@x.com\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:2: column 2: text follows the closing quote of a quoted column name (a quote inside a quoted name is written twice: \"\")"
    );
    let (_dir, path) = file("gone.csv", b"\"external\"Id\nx1\n");
    assert_eq!(
        deactivations_error(&path),
        "FILE:1: column 1: text follows the closing quote of a quoted column name (a quote inside a quoted name is written twice: \"\")"
    );
}

#[test]
fn a_csv_separated_otherwise_than_read_is_named_as_such_with_the_flag_to_read_it() {
    let comma = Delimiter::default();
    for (header, delimiter, separator, shown, flag) in [
        (
            "externalId;email",
            comma,
            "semicolons (;)",
            "\"externalId;email\"",
            "';'",
        ),
        (
            "Employee ID\tMail",
            comma,
            "tabs",
            "\"Employee ID\\tMail\"",
            "tab",
        ),
        (
            "externalId,email",
            Delimiter(b';'),
            "commas (,)",
            "\"externalId,email\"",
            "','",
        ),
        (
            "externalId|email",
            comma,
            "vertical bars (|)",
            "\"externalId|email\"",
            "'|'",
        ),
    ] {
        let reading = if delimiter == comma {
            "commas (,)"
        } else {
            "semicolons (;)"
        };
        let said = format!(
            "FILE:1: the header is a single column holding {separator} (its columns: \
             {shown}): the file looks separated by them, and this run reads fields separated \
             by {reading}; pass --delimiter {flag}"
        );
        let options = ReadOptions {
            delimiter,
            ..ReadOptions::default()
        };
        let (_dir, path) = file(
            "users.csv",
            format!("{header}\ne1;a@example.com\n").as_bytes(),
        );
        assert_eq!(header_error(&path, &options), said);
        // A deactivation file's header shows its separator, and only its externalId column is
        // read: it is read with that separator, whatever the users file's.
        let line = header
            .replace("Employee ID", "externalId")
            .replace("Mail", "email");
        let separator = if line.contains(';') {
            ';'
        } else if line.contains('\t') {
            '\t'
        } else if line.contains('|') {
            '|'
        } else {
            ','
        };
        let (_dir, path) = file(
            "leavers.csv",
            format!("{line}\ne1{separator}a@example.com\n").as_bytes(),
        );
        let ids: Vec<String> = read_deactivations(&path, delimiter)
            .unwrap()
            .map(|row| row.unwrap().external_id)
            .collect();
        assert_eq!(ids, ["e1"], "{header:?}");
    }
    // With no externalId column, the header is said as for the users file.
    let (_dir, path) = file("leavers.csv", b"Employee ID;Mail\ne1;x\n");
    let error = read_deactivations(&path, comma).err().unwrap().to_string();
    assert!(error.ends_with("pass --delimiter ';'"), "{error}");
}

#[test]
fn a_csv_separated_by_semicolons_or_tabs_is_read_with_its_delimiter() {
    for (delimiter, byte) in [(";", b';'), ("\t", b'\t'), ("|", b'|')] {
        let text = "externalId;email;department\n\
                    e1;ada@example.com;\"R;D, Lab\"\n\
                    e2;bob@example.com;Sales\n"
            .replace(';', delimiter);
        let options = ReadOptions {
            delimiter: Delimiter(byte),
            ..ReadOptions::default()
        };
        let (_dir, path) = file("users.csv", text.as_bytes());
        let rows: Vec<UserRow> = read_all(&path, &options)
            .into_iter()
            .map(Result::unwrap)
            .collect();
        let ids: Vec<&str> = rows.iter().map(|row| row.external_id.as_str()).collect();
        assert_eq!(ids, ["e1", "e2"], "{delimiter:?}");
        assert_eq!(rows[0].profile.email.as_deref(), Some("ada@example.com"));
        let department = rows[0].profile.additional_properties.get("department");
        let quoted = "R;D, Lab".replace(';', delimiter);
        assert_eq!(department, Some(&quoted), "{delimiter:?}");
        let (_dir, path) = file(
            "leavers.csv",
            "externalId;reason\ne7;left\n"
                .replace(';', delimiter)
                .as_bytes(),
        );
        let leavers: Vec<String> = read_deactivations(&path, Delimiter(byte))
            .unwrap()
            .map(|row| row.unwrap().external_id)
            .collect();
        assert_eq!(leavers, ["e7"], "{delimiter:?}");
    }
}

#[test]
fn a_file_without_a_header_shows_only_the_start_of_its_first_record() {
    let long = "Lovelace-Byron-King-Noel-Milbanke-of-Ockham-Wentworth";
    let first = format!("1,ada@example.com,Ada,{long},x\x1b[2J,6,7,8,9,10\n");
    let (_dir, path) = file("users.csv", first.as_bytes());
    let said = header_error(&path, &ReadOptions::default());
    let columns = r#""1", "ada@example.com", "Ada", "Lovelace-Byron-King-Noel-Milbanke-of-Ock"…, "x\u{1b}[2J", "6", "7", "8", … 2 more"#;
    assert_eq!(
        said,
        format!(
            "FILE:1: the header has no externalId column (its columns: {columns}); add one, or \
             name the column that holds the users' ids with --map FILE"
        )
    );
    assert!(
        !said.contains("Wentworth") && !said.contains("\"9\""),
        "{said}"
    );
    let (_dir, path) = file("leavers.csv", first.as_bytes());
    let said = read_deactivations(&path, Delimiter::default())
        .err()
        .expect("refused")
        .to_string();
    assert!(said.contains(columns), "{said}");
}

#[test]
fn a_missing_file_and_an_unknown_extension_are_refused() {
    let missing = Path::new("/nonexistent/users.csv");
    let error = read_users(missing, &ReadOptions::default())
        .err()
        .unwrap()
        .to_string();
    assert!(
        error.starts_with("cannot read /nonexistent/users.csv: "),
        "{error}"
    );
    // Missing, or a folder, whatever its name says of its format.
    let (dir, _) = file("users.csv", b"");
    for (path, expected) in [
        (dir.path().join("users"), "No such file"),
        (dir.path().to_owned(), "it is not a regular file"),
    ] {
        let error = read_users(&path, &ReadOptions::default())
            .err()
            .unwrap()
            .to_string();
        assert!(error.contains(expected), "{error}");
    }
    let (_dir, path) = file("users.txt", b"externalId\n");
    assert!(header_error(&path, &ReadOptions::default()).contains("--format csv|jsonl"));
    let options = ReadOptions {
        format: Some(Format::Csv),
        ..ReadOptions::default()
    };
    assert!(read_users(&path, &options).is_ok());
}

#[test]
fn json_lines_records_and_their_problems() {
    let (_dir, path) = file(
        "users.jsonl",
        b"{\"externalId\":\"j1\",\"profile\":{\"email\":\"a@example.com\",\"lastName\":null,\"dept\":\"Ops\"}}\n\
          \n\
          {\"externalId\":\"j2\",\"profile\":{\"age\":42}}\n\
          {\"externalId\":\"j3\"\r\n\
          {\"external_id\":\"j4\"}\n\
          {\"externalId\":\"\xff\"}\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    let user = rows[0].as_ref().unwrap();
    assert_eq!(
        serde_json::to_value(&user.profile).unwrap(),
        serde_json::json!({"email": "a@example.com", "lastName": null, "dept": "Ops"})
    );
    assert_eq!(
        rows[1],
        Err(
            "FILE:3: column 38: not a user record: profile.age: invalid type: integer, expected a string"
                .into()
        )
    );
    assert_eq!(
        rows[2],
        Err("FILE:4: column 18: not a user record: EOF while parsing an object".into())
    );
    assert_eq!(
        rows[3],
        Err("FILE:5: column 14: not a user record: unknown field `external_id`, expected `externalId` or `profile`".into())
    );
    assert_eq!(
        rows[4],
        Err("FILE:6: column 16: invalid UTF-8; save the file as UTF-8".into())
    );
    assert_eq!(rows.len(), 5, "the blank line is skipped");
}

#[test]
fn a_json_line_that_is_not_an_object_is_refused_with_what_it_is() {
    let (_dir, path) = file(
        "users.jsonl",
        b"[\"e6\",{\"email\":\"a@b.c\"}]\n  \"e7\"\n7\nnull\ntrue\n{\"externalId\":\"e8\"}\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    let object = "not a user record: a record must be a JSON object ({\"externalId\": …, \
                  \"profile\": {…}}), found";
    let refused = [
        (1, 1, "an array"),
        (2, 3, "a string"),
        (3, 1, "a number"),
        (4, 1, "null"),
        (5, 1, "a boolean"),
    ];
    for (row, (line, column, found)) in rows.iter().zip(refused) {
        assert_eq!(
            row,
            &Err(format!("FILE:{line}: column {column}: {object} {found}"))
        );
    }
    assert_eq!(rows[5].as_ref().unwrap().external_id, "e8");
}

#[test]
fn a_json_line_that_only_begins_like_a_value_is_refused_as_not_json() {
    let (_dir, path) = file("users.jsonl", b"nope\ntru\n-x\n[1,\n<user/>\n");
    let rows = read_all(&path, &ReadOptions::default());
    let messages: Vec<String> = rows.into_iter().map(Result::unwrap_err).collect();
    assert_eq!(
        messages,
        [
            "FILE:1: column 2: not JSON: expected ident",
            "FILE:2: column 3: not JSON: EOF while parsing a value",
            "FILE:3: column 2: not JSON: invalid number",
            "FILE:4: column 3: not JSON: EOF while parsing a value",
            "FILE:5: column 1: not JSON: expected value",
        ]
    );
}

#[test]
fn json_lines_refuse_a_null_that_clears_nothing_and_count_columns_in_characters() {
    let (_dir, path) = file(
        "users.jsonl",
        "{\"externalId\":\"j1\",\"profile\":{\"email\":null}}\n\
         {\"externalId\":\"j2\",\"profile\":{\"secondEmail\":null,\"firstName\":null}}\n\
         {\"externalId\":\"j3\",\"profile\":{\"dept\":null}}\n\
         {\"externalId\":\"é€\",\"profile\":{\"x\":1}}\n\
         {\"externalId\":\"j5\",\"profile\":{\"email\":\"a@example.com\",\"email\":\"b@example.com\"}}\n"
            .as_bytes(),
    );
    let rows = read_all(&path, &ReadOptions::default());
    let messages: Vec<&str> = rows
        .iter()
        .map(|row| row.as_ref().err().map_or("", String::as_str))
        .collect();
    let cant_be_null = " can't be null (only firstName, lastName, mobilePhone and homeAddress \
                        can be cleared); leave it out to keep its value";
    assert_eq!(
        messages,
        [
            format!("FILE:1: column 43: not a user record: email{cant_be_null}"),
            format!("FILE:2: column 48: not a user record: secondEmail{cant_be_null}"),
            "FILE:3: column 41: not a user record: profile.dept: invalid type: null, expected a string"
                .into(),
            // The value 1 is the 38th byte but the 35th character: é and € are 2 and 3 bytes.
            "FILE:4: column 35: not a user record: profile.x: invalid type: integer, expected a string"
                .into(),
            "FILE:5: column 78: not a user record: duplicate field `email`".into(),
        ]
    );
}

#[test]
fn json_lines_refuse_an_attribute_name_with_blanks_around_it_and_an_external_id_in_the_profile() {
    let (_dir, path) = file(
        "users.jsonl",
        b"{\"externalId\":\"j1\",\"profile\":{\" email\":\"a@example.com\"}}\n\
          {\"externalId\":\"j2\",\"profile\":{\"dept \":\"R&D\"}}\n\
          {\"externalId\":\"j3\",\"profile\":{\"externalId\":\"zz\"}}\n\
          {\"externalId\":\"j4\",\"profile\":{\"dept\":\"R&D\"}}\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    let message = |row: &Result<UserRow, String>| row.as_ref().err().cloned().unwrap_or_default();
    assert!(
        message(&rows[0]).ends_with(
            "not a user record: the attribute name ` email` has blanks around it: names are matched as written"
        ),
        "{rows:?}"
    );
    assert!(
        message(&rows[1]).contains("`dept ` has blanks around it"),
        "{rows:?}"
    );
    assert!(
        message(&rows[2]).ends_with(
            "not a user record: `externalId` is not an attribute of the profile: the user's id is the `externalId` beside `profile`"
        ),
        "{rows:?}"
    );
    assert_eq!(
        rows[3].as_ref().map(|row| row.external_id.as_str()),
        Ok("j4")
    );
}

#[test]
fn a_users_file_refuses_a_blank_id_and_one_with_blanks_around_it() {
    let padded = "externalId starts or ends with a blank (a space, a tab): almost always a \
                  leftover of the export, and it would make another user than the id without \
                  it; remove it";
    let (_dir, csv) = file(
        "users.csv",
        b"externalId,email\n   ,a@example.com\n e2,\ne3\t,\ne 4,\n",
    );
    let rows = read_all(&csv, &ReadOptions::default());
    assert_eq!(rows[0], Err("FILE:2: column 1: externalId is blank".into()));
    assert_eq!(rows[1], Err(format!("FILE:3: column 1: {padded}")));
    assert_eq!(rows[2], Err(format!("FILE:4: column 1: {padded}")));
    assert_eq!(rows[3].as_ref().map(|u| u.external_id.as_str()), Ok("e 4"));
    let (_dir, jsonl) = file(
        "users.jsonl",
        b"{\"externalId\":\"  \"}\n{\"externalId\":\"j2 \"}\n{\"externalId\":\"j 3\"}\n",
    );
    let rows = read_all(&jsonl, &ReadOptions::default());
    assert_eq!(rows[0], Err("FILE:1: externalId is blank".into()));
    assert_eq!(rows[1], Err(format!("FILE:2: {padded}")));
    assert_eq!(rows[2].as_ref().map(|u| u.external_id.as_str()), Ok("j 3"));
}

#[test]
fn deactivation_files_one_id_per_line_or_a_csv_column() {
    for text in [
        &b"externalId\n# leavers\ne1\n\n  e2  \r\n"[..],
        // The column's name after a comment or a blank line is still no id.
        b"# leavers\n\nexternalId\ne1\ne2\n",
    ] {
        let (_dir, path) = file("gone.txt", text);
        let ids: Vec<String> = read_deactivations(&path, Delimiter::default())
            .unwrap()
            .map(|r| r.unwrap().external_id)
            .collect();
        assert_eq!(ids, ["e1", "e2"]);
    }
    // The column's name comes only before any other content (after it, it is no id), and a
    // line that can't be read is a record with an index of its own.
    let (_dir, path) = file("gone.txt", b"\xff\nexternalId\ne1\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|r| {
            r.map(|row| (row.external_id, row.index))
                .map_err(|e| e.index)
        })
        .collect();
    assert_eq!(rows, [Err(0), Err(1), Ok(("e1".to_owned(), 2))]);
    // A row of columns pasted from a spreadsheet is no id.
    let (_dir, path) = file("gone.txt", b"e1\ne2\tJohn Smith\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|r| r.map(|row| row.external_id).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(rows[0], Ok("e1".to_owned()));
    assert!(
        rows[1]
            .as_ref()
            .unwrap_err()
            .contains("gone.txt:2: a tab inside the external id"),
        "{rows:?}"
    );
    // Nor is a row of a CSV file without its header, which would deactivate no one.
    let (_dir, path) = file("gone.txt", b"e1\ne2,e3\ne4;left\ne5,\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|r| r.map(|row| row.external_id).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(rows[0], Ok("e1".to_owned()));
    for (row, line) in rows[1..].iter().zip(2..) {
        let error = row.as_ref().unwrap_err();
        let expected = format!("gone.txt:{line}: a comma or semicolon inside the external id");
        assert!(error.contains(&expected), "{rows:?}");
    }
    assert_eq!(rows.len(), 4);
    let (_dir, path) = file("gone.csv", b"name,ExternalID\nAda,e1\nBob,e2\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        rows.iter()
            .map(|r| r.external_id.as_str())
            .collect::<Vec<_>>(),
        ["e1", "e2"]
    );
    assert_eq!(rows[1].location.line, 3);
}

#[test]
fn empty_columns_at_the_end_of_the_header_are_refused_with_the_map_row_that_drops_them() {
    let (_dir, path) = file("users.csv", b"externalId,email,,\ne1,a@example.com,,\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: column 3: a column has no name in the header row (empty columns a spreadsheet left at \
         its end? remove them, or drop them with a --map row `,`)"
    );
    let options = ReadOptions {
        columns: ColumnMap::from_pairs([("", "")]),
        ..ReadOptions::default()
    };
    let rows = read_all(&path, &options);
    assert_eq!(rows[0].as_ref().unwrap().external_id, "e1");
}

#[test]
fn a_utf16_file_is_said_to_be_one() {
    // "externalId" in UTF-16, little- and big-endian, with their byte-order marks and
    // without.
    let little: Vec<u8> = "externalId\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let big: Vec<u8> = "externalId\n"
        .encode_utf16()
        .flat_map(u16::to_be_bytes)
        .collect();
    let marked = |mark: &[u8], text: &[u8]| [mark, text].concat();
    let files = [
        marked(b"\xFF\xFE", &little),
        marked(b"\xFE\xFF", &big),
        little,
        big,
    ];
    for bytes in files {
        for name in ["users.csv", "leavers.txt"] {
            let (_dir, path) = file(name, &bytes);
            let error = match name {
                "users.csv" => header_error(&path, &ReadOptions::default()),
                _ => read_deactivations(&path, Delimiter::default())
                    .err()
                    .unwrap()
                    .to_string()
                    .replace(&path.display().to_string(), "FILE"),
            };
            assert_eq!(
                error,
                "cannot read FILE: it is UTF-16 (its first bytes say so), and okta-import reads \
                 UTF-8; save it as UTF-8 (a spreadsheet's \"CSV UTF-8\")"
            );
        }
    }
}

#[test]
fn a_file_with_nul_bytes_is_said_not_to_be_utf8_text() {
    let little: Vec<u8> = "名前,externalId\n"
        .encode_utf16()
        .flat_map(u16::to_le_bytes)
        .collect();
    let utf32: Vec<u8> = "externalId\n"
        .chars()
        .flat_map(|c| u32::from(c).to_be_bytes())
        .collect();
    // With its byte-order mark, whose little-endian one begins with UTF-16's.
    let utf32_marked: Vec<u8> = "\u{feff}externalId\n"
        .chars()
        .flat_map(|c| u32::from(c).to_le_bytes())
        .collect();
    let gzip = b"\x1f\x8b\x08\x00\x00\x00\x00\x00\x00\x03".to_vec();
    let nul_later = b"externalId,email\ne1,a@x.com\ne\x002,b@x.com\n".to_vec();
    for bytes in [little, utf32, utf32_marked, gzip, nul_later] {
        let (_dir, path) = file("users.csv", &bytes);
        assert_eq!(
            header_error(&path, &ReadOptions::default()),
            "cannot read FILE: it has NUL bytes, so it is not UTF-8 text (UTF-16 or UTF-32, or a \
             file such as a spreadsheet or an archive); okta-import reads UTF-8 (a spreadsheet's \
             \"CSV UTF-8\")",
            "{bytes:?}"
        );
        let (_dir, path) = file("leavers.txt", &bytes);
        assert!(
            read_deactivations(&path, Delimiter::default())
                .err()
                .is_some_and(|error| error.to_string().contains("it has NUL bytes")),
            "{bytes:?}"
        );
    }
}

#[test]
fn a_record_after_blank_lines_is_named_by_its_own_line() {
    let (_dir, path) = file(
        "users.csv",
        b"externalId,email\ne1,a@example.com\n\n\n\ne2,not an email\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    assert_eq!(rows[1].as_ref().unwrap().location.line, 6, "{rows:?}");
    let (_dir, path) = file("leavers.csv", b"externalId\r\ne1\r\n\r\ne2\r\n");
    let lines: Vec<u64> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| row.unwrap().location.line)
        .collect();
    assert_eq!(lines, [2, 4]);
}

/// A list of ids whose lines end in a lone carriage return (a classic Mac export) was read
/// as one id holding the others, `x1\rx2\rx3`, and deactivated no one: each is a line.
#[test]
fn a_list_of_ids_whose_lines_end_in_a_carriage_return_alone_holds_each() {
    for (text, lines) in [
        (&b"externalId\rx1\rx2\r\rx3\r"[..], [2, 3, 5]),
        (b"x1\rx2\rx3", [1, 2, 3]),
        // Mixed: a lone CR, then a CRLF, then an LF.
        (b"x1\rx2\r\nx3\n", [1, 2, 3]),
        (b"x1\n\rx2\r\nx3", [1, 3, 4]),
    ] {
        let (_dir, path) = file("leavers.txt", text);
        let rows: Vec<(String, u64, u64)> = read_deactivations(&path, Delimiter::default())
            .unwrap()
            .map(|row| row.unwrap())
            .map(|row| (row.external_id, row.location.line, row.index))
            .collect();
        let expected: Vec<_> = ["x1", "x2", "x3"]
            .into_iter()
            .zip(lines)
            .zip(0..)
            .map(|((id, line), index)| (id.to_owned(), line, index))
            .collect();
        assert_eq!(rows, expected, "{text:?}");
    }
    // Any other control character in an id is no part of one.
    let (_dir, path) = file("leavers.txt", b"x1\nx\x0b2\nx3\x7f\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| row.map(|row| row.external_id).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(rows[0], Ok("x1".to_owned()));
    for (row, line) in rows[1..].iter().zip(2..) {
        let expected = format!(
            "leavers.txt:{line}: a control character inside the external id, which no id holds"
        );
        assert!(row.as_ref().unwrap_err().ends_with(&expected), "{rows:?}");
    }
}

#[test]
fn a_list_of_ids_that_is_plainly_another_kind_of_file_is_refused() {
    // A CSV file named .txt: its lines would be taken whole for ids.
    for header in [
        "externalId,reason",
        "\"ExternalId\";reason",
        "externalId\twhy",
    ] {
        let (_dir, path) = file("leavers.txt", format!("{header}\ne1,left\n").as_bytes());
        assert_eq!(
            deactivations_error(&path),
            "FILE:1: the first line is a CSV header with an externalId column, but the file is \
             read as one external id per line: name it .csv (or .tsv), or keep only the ids",
            "{header:?}"
        );
    }
    // JSON Lines, and ids in quotes: those lines are refused, the others read.
    let (_dir, path) = file("leavers.txt", b"{\"externalId\":\"e1\"}\n\"e2\"\ne3\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| row.map(|row| row.external_id).map_err(|e| e.to_string()))
        .collect();
    let said = |row: &Result<String, String>| row.clone().unwrap_err();
    assert!(said(&rows[0]).ends_with(":1: a JSON object, not an external id: a deactivation file holds one external id per line, or is a .csv file with an externalId column"), "{rows:?}");
    assert!(
        said(&rows[1]).ends_with(":2: the external id is in quotes: write it without them"),
        "{rows:?}"
    );
    assert_eq!(rows[2], Ok("e3".to_string()));
}

#[test]
fn a_deactivation_csv_needs_only_an_external_id_column_and_ignores_the_others() {
    let (_dir, path) = file(
        "gone.csv",
        b"Name,,email,EMAIL, externalid \nAda,x,a@example.com,a@example.com,e1\nBob,,,,e2\n",
    );
    let ids: Vec<String> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|r| r.unwrap().external_id)
        .collect();
    assert_eq!(
        ids,
        ["e1", "e2"],
        "a nameless column and a repeated one are ignored"
    );

    let refused = |bytes: &[u8]| {
        let (_dir, path) = file("gone.csv", bytes);
        let error = read_deactivations(&path, Delimiter::default())
            .err()
            .expect("the file is refused");
        error
            .to_string()
            .replace(&path.display().to_string(), "FILE")
    };
    assert_eq!(
        refused(b"id,email\ne1,a@example.com\n"),
        "FILE:1: the header has no externalId column (its columns: \"id\", \"email\"); a deactivation \
         file is a CSV file with an externalId column, or holds one external id per line"
    );
    assert_eq!(
        refused(b"externalId,ExternalId\ne1,e1\n"),
        "FILE:1: two columns are named externalId; keep one"
    );
    let (_dir, path) = file("gone.csv", b"name,externalId\nAda\n");
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .collect();
    let error = rows[0].as_ref().unwrap_err().to_string();
    assert!(
        error.ends_with("gone.csv:2: column 2: 1 field, and no externalId in field 2"),
        "{error}"
    );
}

#[test]
fn a_quote_never_closed_in_a_deactivation_csv_refuses_its_record_in_any_column() {
    for (bytes, column) in [
        (
            &b"externalId,reason\nx1,left\n\"x2,left\nx3,left\nx4,left\n"[..],
            1,
        ),
        (
            b"externalId,reason\nx1,left\nx2,\"left\nx3,left\nx4,left\n",
            2,
        ),
    ] {
        let (_dir, path) = file("gone.csv", bytes);
        let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
            .unwrap()
            .collect();
        assert_eq!(rows.len(), 2, "{rows:?}");
        assert_eq!(rows[0].as_ref().unwrap().external_id, "x1");
        let error = rows[1].as_ref().unwrap_err().to_string();
        let expected = format!(
            "gone.csv:3: column {column}: a quote opened at line 3 is never closed: the rest of the file, to line 5, was read as one field, and nothing after it can be read"
        );
        assert!(error.ends_with(&expected), "{error}");
    }
}

#[test]
fn a_quote_never_closed_in_a_users_csv_is_named_before_the_count_of_fields() {
    let (_dir, path) = file(
        "users.csv",
        b"externalId,email\ne1,a@example.com\n\"e2,b@example.com\ne3,c@example.com\n",
    );
    let rows = read_all(&path, &ReadOptions::default());
    assert_eq!(rows.len(), 2, "{rows:?}");
    assert_eq!(
        rows[1],
        Err(
            "FILE:3: column 1: a quote opened at line 3 is never closed: the rest of the file, to line 4, was read as one field, and nothing after it can be read"
                .into()
        )
    );
}

#[test]
fn quotes_that_do_not_pair_up_on_one_line_refuse_their_record_and_reading_goes_on() {
    // The csv crate reads `"Smith, J"r` as `Smith, Jr` and a quote never closed at the end
    // of the file as a field that ends there: each is refused where it is.
    for end in ["\n", "\r\n"] {
        let text = "externalId,lastName,email\n\
                    e1,\"Smith, J\"r,a@x.com\n\
                    e2,\"O\"\"Neil\",b@x.com\n\
                    \n\
                    e3,Doe,\"c@x.com\" \n\
                    e4,Roe,\"d@x.com"
            .replace('\n', end);
        let (_dir, path) = file("users.csv", text.as_bytes());
        let rows = read_all(&path, &ReadOptions::default());
        let after_closing = "text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: \"\")";
        assert_eq!(rows.len(), 4, "{end:?} {rows:?}");
        assert_eq!(rows[0], Err(format!("FILE:2: column 2: {after_closing}")));
        assert_eq!(
            rows[1].as_ref().map(|row| row.profile.last_name.clone()),
            Ok(Some(Some("O\"Neil".to_owned()))),
            "{end:?}"
        );
        assert_eq!(rows[2], Err(format!("FILE:5: column 3: {after_closing}")));
        assert_eq!(
            rows[3],
            Err(
                "FILE:6: column 3: a quote opened here is never closed before the file ends".into()
            )
        );
    }

    // Beside an address over two lines, the quote out of place is still named where it is,
    // and the record keeps its id (a deactivation of it is then refused).
    let (_dir, path) = file(
        "users.csv",
        b"externalId,lastName,homeAddress\ne7,\"Smith, J\"r,\"1 Main St\nApt 4\"\ne8,Doe,x\n",
    );
    let rows: Vec<_> = read_users(&path, &ReadOptions::default())
        .unwrap()
        .collect();
    let error = rows[0].as_ref().unwrap_err();
    assert!(
        error.to_string().ends_with(":2: column 2: text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: \"\")"),
        "{error}"
    );
    assert_eq!(error.external_id.as_deref(), Some("e7"));
    assert_eq!(
        rows[1].as_ref().map(|row| row.external_id.as_str()),
        Ok("e8")
    );

    let (_dir, path) = file(
        "gone.csv",
        b"externalId,reason\n\"x1\"x,left\nx2,\"le\"ft\"\nx3,left\n\"x4",
    );
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| row.map(|row| row.external_id).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(rows.len(), 4, "{rows:?}");
    assert!(rows[0].as_ref().unwrap_err().ends_with("gone.csv:2: column 1: text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: \"\")"), "{rows:?}");
    assert!(
        rows[1]
            .as_ref()
            .unwrap_err()
            .contains("gone.csv:3: column 2: text follows"),
        "{rows:?}"
    );
    assert_eq!(rows[2], Ok("x3".to_owned()));
    assert!(
        rows[3].as_ref().unwrap_err().ends_with(
            "gone.csv:5: column 1: a quote opened here is never closed before the file ends"
        ),
        "{rows:?}"
    );
}

#[test]
fn a_home_address_over_several_lines_is_read_but_one_that_takes_the_next_records_is_refused() {
    let header = "externalId,email,homeAddress\n";
    let read = |records: &str| {
        let (dir, path) = file("users.csv", format!("{header}{records}").as_bytes());
        let rows = read_all(&path, &ReadOptions::default());
        drop(dir);
        rows
    };
    // A quoted address over two lines, then a record.
    let rows = read("e1,a@x.com,\"1 Main St\nApt 4\"\ne2,b@x.com,2 Elm St\n");
    let address =
        |row: &Result<UserRow, String>| row.as_ref().ok()?.profile.home_address.clone().flatten();
    assert_eq!(address(&rows[0]).as_deref(), Some("1 Main St\nApt 4"));
    assert_eq!(rows[1].as_ref().map(|row| row.location.line), Ok(4));

    // A quote never closed takes every record after it: refused, and nothing after it read.
    for unclosed in ["\"1 Main St", "\"x\"\""] {
        for end in ["\n", "\r\n", "\r"] {
            let rows = read(
                &format!("e1,a@x.com,{unclosed}\ne2,b@x.com,2 Elm St\ne3,c@x.com,3 Oak St\n")
                    .replace('\n', end),
            );
            assert_eq!(
                rows,
                [Err("FILE:2: column 3: a quote opened at line 2 is never closed: the rest of the file, to line 4, was read as one field, and nothing after it can be read".into())],
                "{unclosed} {end:?}"
            );
        }
    }

    // A later record's opening quote closes it, with text after: that record is refused,
    // with the lines it took, and reading goes on.
    let rows = read("e1,a@x.com,\"1 Main St\ne2,b@x.com,\"2 Elm St\"\ne3,c@x.com,3 Oak St\n");
    assert_eq!(
        rows[0],
        Err("FILE:2: column 3: text follows a closing quote at line 3: a quote opened at line 2 is not closed where it should be, and lines 2 to 3 were read as one record".into())
    );
    assert_eq!(
        rows[1].as_ref().map(|row| row.external_id.as_str()),
        Ok("e3")
    );

    // A record that rightly runs over two lines (a home address), with text after a quote
    // opened and closed on its second: that quote is at fault, not the address's.
    for end in ["\n", "\r\n", "\r"] {
        let rows = read(
            &"e1,a@x.com,\"1 Main\nApt 2\",\"R&D\"x\ne2,b@x.com,3 Oak St\n".replace('\n', end),
        );
        assert_eq!(
            rows[0],
            Err("FILE:2: column 4: on line 3, text follows the closing quote of a quoted value (a quote inside a quoted value is written twice: \"\")".into()),
            "{end:?}"
        );
        assert_eq!(
            rows[1].as_ref().map(|row| row.external_id.as_str()),
            Ok("e2")
        );
    }
}

#[test]
fn a_quote_closed_by_a_later_record_is_refused_wherever_the_record_falls_in_the_file() {
    // The bytes of a record are kept to look at its quotes again; wherever it falls against
    // the reads of the file (here across the first 8 KiB, byte by byte, with CRLF or LF
    // line ends and a blank line), they are still there when it is looked at.
    for end in ["\r\n", "\n", "\n\n"] {
        let mut rows_before = format!("externalId,email,homeAddress{end}");
        for n in 0.. {
            if rows_before.len() > 8192 - 150 {
                break;
            }
            rows_before.push_str(&format!("u{n},u{n}@x.com,{n} Main St{end}"));
        }
        for padding in 0..120 {
            let mut text = rows_before.clone();
            let filler = "y".repeat(padding);
            text.push_str(&format!("xx,{filler}@x.com,a{end}"));
            text.push_str(&format!(
                "e5,e5@x.com,\"1 Main St{end}e6,e6@x.com,\"2 Elm\"{end}"
            ));
            for n in 0..300 {
                text.push_str(&format!("v{n},v{n}@x.com,{n} Oak St{end}"));
            }
            let (_dir, path) = file("users.csv", text.as_bytes());
            let rows = read_all(&path, &ReadOptions::default());
            let refused: Vec<_> = rows.iter().filter_map(|row| row.as_ref().err()).collect();
            assert_eq!(refused.len(), 1, "{end:?}, {padding}: {refused:?}");
            assert!(
                refused[0].contains("text follows a closing quote"),
                "{end:?}, {padding}: {}",
                refused[0]
            );
        }
    }
}

#[test]
fn a_quote_never_closed_in_the_header_is_named_there() {
    let (_dir, path) = file("users.csv", b"externalId,\"email\ne1,a@x.com\ne2,b@x.com\n");
    assert_eq!(
        header_error(&path, &ReadOptions::default()),
        "FILE:1: column 2: a quote opened in the header at line 1 is never closed where its column name ends"
    );
}

/// The bytes of a file, then a read error, as a disk or a network share may give.
struct FailsAfter(&'static [u8]);

impl std::io::Read for FailsAfter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.0.is_empty() {
            return Err(std::io::Error::other("the disk is gone"));
        }
        let n = self.0.len().min(buf.len());
        buf[..n].copy_from_slice(&self.0[..n]);
        self.0 = &self.0[n..];
        Ok(n)
    }
}

#[test]
fn a_read_error_in_a_csv_file_names_the_line_being_read_never_line_0() {
    let bytes = b"externalId,email\ne1,a@example.com\ne2,b@exa";
    let reader = std::io::BufReader::new(FailsAfter(bytes));
    let users = users_from_reader(
        reader,
        "users.csv".into(),
        Format::Csv,
        &ReadOptions::default(),
    )
    .unwrap();
    let rows: Vec<Result<String, String>> = users
        .map(|r| r.map(|u| u.external_id).map_err(|e| e.to_string()))
        .collect();
    assert_eq!(
        rows,
        [
            Ok("e1".to_string()),
            Err("users.csv:3: cannot read further: the disk is gone".to_string())
        ]
    );
}

/// Five MiB of text on one line: more than any record can be.
fn five_mib_line() -> String {
    "z,".repeat(5 << 19)
}

#[test]
fn long_records_in_a_row_are_each_read_to_their_end() {
    let long = "x".repeat(2_500_000);
    let text = format!("externalId,title\ne1,{long}\ne2,{long}\ne3,Clerk\n");
    let (_dir, path) = file("users.csv", text.as_bytes());
    let rows = read_all(&path, &ReadOptions::default());
    let ids: Vec<_> = rows
        .iter()
        .map(|row| row.as_ref().map(|row| row.external_id.as_str()))
        .collect();
    assert_eq!(ids, [Ok("e1"), Ok("e2"), Ok("e3")]);
    let text = format!("externalId,note\nx1,{long}\nx2,{long}\nx3,\n");
    let (_dir, path) = file("gone.csv", text.as_bytes());
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .map(|row| {
            row.map(|row| row.external_id)
                .map_err(|error| error.to_string())
        })
        .collect();
    assert_eq!(rows.len(), 3, "{rows:?}");
    assert!(rows.iter().all(Result::is_ok), "{rows:?}");
}

#[test]
fn a_quote_never_closed_before_megabytes_of_csv_stops_the_read_at_its_record() {
    let text = format!(
        "externalId,email\ne1,a@example.com\n\"e2,b\n{}\ne3,c@example.com\n",
        five_mib_line()
    );
    let (_dir, path) = file("users.csv", text.as_bytes());
    let rows = read_all(&path, &ReadOptions::default());
    assert_eq!(
        rows.len(),
        2,
        "{:?}",
        rows.iter()
            .map(|row| row.as_ref().err())
            .collect::<Vec<_>>()
    );
    assert_eq!(
        rows[0].as_ref().map(|row| row.external_id.as_str()),
        Ok("e1")
    );
    assert_eq!(
        rows[1],
        Err("FILE:3: cannot read further: a record runs on for more than 4 MiB (a quote never closed?)".into())
    );
    let text = format!("externalId\nx1\n\"x2\n{}\nx3\n", five_mib_line());
    let (_dir, path) = file("gone.csv", text.as_bytes());
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .collect();
    assert_eq!(rows.len(), 2, "{rows:?}");
    let error = rows[1].as_ref().unwrap_err().to_string();
    assert!(error.ends_with("gone.csv:3: cannot read further: a record runs on for more than 4 MiB (a quote never closed?)"), "{error}");
}

#[test]
fn a_line_longer_than_any_record_is_refused_and_the_next_ones_read() {
    let text = format!(
        "{{\"externalId\": \"e1\"}}\n{}\n{{\"externalId\": \"e3\"}}\n",
        five_mib_line()
    );
    let (_dir, path) = file("users.jsonl", text.as_bytes());
    let rows = read_all(&path, &ReadOptions::default());
    let ids: Vec<_> = rows
        .iter()
        .map(|row| row.as_ref().map(|row| row.external_id.as_str()))
        .collect();
    let refused =
        "FILE:2: the line is longer than 4 MiB, far more than a user record can be; it is skipped";
    assert_eq!(ids, [Ok("e1"), Err(&refused.to_owned()), Ok("e3")]);
    let text = format!("x1\n{}\nx3\n", five_mib_line());
    let (_dir, path) = file("gone.txt", text.as_bytes());
    let rows: Vec<_> = read_deactivations(&path, Delimiter::default())
        .unwrap()
        .collect();
    let ids: Vec<_> = rows
        .iter()
        .map(|row| {
            row.as_ref()
                .map(|row| row.external_id.as_str())
                .map_err(ToString::to_string)
        })
        .collect();
    let refused = format!(
        "{}:2: the line is longer than 4 MiB, far more than an external id can be; it is skipped",
        path.display()
    );
    assert_eq!(ids, [Ok("x1"), Err(refused), Ok("x3")]);
}

#[cfg(unix)]
#[test]
fn a_map_file_that_is_a_pipe_is_refused_without_waiting_for_a_writer() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("map.csv");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .expect("mkfifo runs");
    assert!(made.success());
    // Opening a pipe nothing writes to would wait forever; it is refused first.
    let error = ColumnMap::read(&fifo).expect_err("refused").to_string();
    assert_eq!(
        error,
        format!("cannot read {}: it is not a regular file", fifo.display())
    );
}
