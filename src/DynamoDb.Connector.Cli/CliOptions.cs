using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;
using System.Numerics;
using Amazon.DynamoDBv2.Model;
using DynamoDb.Connector.Export;
using DynamoDb.Connector.Formats.Compression;
using DynamoDb.Connector.Formats.Lines;
using DynamoDb.Connector.Formats.Uris;

namespace DynamoDb.Connector.Cli;

/// <summary>Options several verbs share, defined once so they read and validate the same everywhere.</summary>
internal static class CliOptions
{
    public static Option<string> Source(string description = "A file, a folder or S3 prefix (with or without a manifest), or a native export: a local path, file:// or s3:// uri.") =>
        Location(new Option<string>("--source") { Description = description, Required = true });

    public static Option<string> Destination(string description) => Location(new Option<string>("--destination") { Description = description, Required = true });

    /// <summary>Checks a location option while parsing: an s3:// uri must name a bucket, so the mistake is a usage error, not a failed run.</summary>
    public static Option<T> Location<T>(Option<T> option)
    {
        option.Validators.Add(r =>
        {
            if (r.Tokens.Count == 0) return;
            string value = r.Tokens[0].Value;
            if (value.Trim().Length == 0)
            {
                r.AddError($"{option.Name} is empty: give a local path, file:// or s3://bucket/prefix uri.");
                return;
            }
            if (ObjectUri.KindOf(value) != ObjectUriKind.S3) return;
            try
            {
                ObjectUri.ParseS3(value);
            }
            catch (ArgumentException)
            {
                r.AddError($"{option.Name} '{value}' names no bucket: give s3://bucket/prefix.");
            }
        });
        return option;
    }

    /// <summary>
    /// A numeric option read in the invariant culture and checked against its range while parsing: a value that is not a
    /// number, not finite, too large for its type or out of range is a usage error whose one line names the option and
    /// the range, never an exception.
    /// </summary>
    public static Option<T?> Number<T>(string name, string description, T min, T max)
        where T : struct, INumber<T>
    {
        var option = new Option<T?>(name) { Description = description };
        option.CustomParser = r => r.Tokens.Count == 0 ? null : ParseNumber(r, name, min, max);
        return option;
    }

    /// <summary>A numeric option with a default (see the nullable overload).</summary>
    public static Option<T> Number<T>(string name, string description, T min, T max, T defaultValue)
        where T : struct, INumber<T>
    {
        var option = new Option<T>(name) { Description = description, DefaultValueFactory = _ => defaultValue };
        option.CustomParser = r => r.Tokens.Count == 0 ? defaultValue : ParseNumber(r, name, min, max) ?? defaultValue;
        return option;
    }

    private static T? ParseNumber<T>(ArgumentResult result, string name, T min, T max)
        where T : struct, INumber<T>
    {
        string text = result.Tokens[0].Value;
        bool whole = T.One / (T.One + T.One) == T.Zero; // integer division: 1 / 2 is 0
        string range = string.Create(CultureInfo.InvariantCulture, $"from {min:#,0.####} to {max:#,0.####}");
        var style = whole ? NumberStyles.Integer | NumberStyles.AllowThousands : NumberStyles.Float | NumberStyles.AllowThousands;
        if (T.TryParse(text, style, CultureInfo.InvariantCulture, out var value) && T.IsFinite(value))
        {
            if (value >= min && value <= max) return value;
            result.AddError($"{name} is {text}; give {(whole ? "a whole number" : "a number")} {range}.");
            return null;
        }
        bool isNumber = double.TryParse(text, NumberStyles.Float | NumberStyles.AllowThousands, CultureInfo.InvariantCulture, out _);
        result.AddError(isNumber
            ? $"{name} is {text}; give {(whole ? "a whole number" : "a finite number")} {range}."
            : $"{name} is '{text}', not a number; give {(whole ? "a whole number" : "a number")} {range}.");
        return null;
    }

    public static Option<ItemFileFormat?> Format(string name = "--format", string description = "The format: data-pipeline, ddb-json, ddb-json-incremental, csv, json (plain objects, one per line or in an array), ddb-scan ({\"Items\":[...]} or an array of typed items) ddb-batch-write (BatchWriteItem request file) or parquet (detected by its PAR1 magic; split by row groups). Default: detected from the manifest or the content.") =>
        new(name)
        {
            Description = description,
            CustomParser = result => result.Tokens.Count == 0 ? null : ParseName<ItemFileFormat>(result, "format", ItemFileFormatNames.TryParse, ItemFileFormatNames.All),
            HelpName = string.Join("|", ItemFileFormatNames.All),
        };

    public static Option<string?> Nulls() => new("--nulls")
    {
        Description = "For Parquet: what a null becomes: omit (left out of the item, the default) or null (a NULL attribute); wins over a --parquet-schema file's \"nulls\".",
        HelpName = "omit|null",
        Validators = { result => { if (result.GetValueOrDefault<string?>() is { } v && ParseNulls(v) is null) result.AddError($"--nulls {v}: use omit or null."); } },
    };

    /// <summary>The <see cref="Nulls"/> value as the library's enum; null when it is neither omit nor null.</summary>
    public static DynamoDb.Connector.Formats.Parquet.ParquetNulls? ParseNulls(string? value) => value?.ToLowerInvariant() switch
    {
        null or "omit" => DynamoDb.Connector.Formats.Parquet.ParquetNulls.Omit,
        "null" => DynamoDb.Connector.Formats.Parquet.ParquetNulls.Null,
        _ => null,
    };

    public static Option<string?> RequestTable() => new("--request-table")
    {
        Description = "For a BatchWriteItem request file (ddb-batch-write): the table whose requests to read. Default: the file's only table (a file with several is refused).",
    };

    public static Option<CompressionKind> Compression() => new("--compression")
    {
        Description = "Compression of the files written: none, gzip or zstd.",
        DefaultValueFactory = _ => CompressionKind.None,
        CustomParser = result => result.Tokens.Count == 0
            ? CompressionKind.None
            : ParseName<CompressionKind>(result, "compression", CompressionKindNames.TryParse, CompressionKindNames.All) ?? CompressionKind.None,
        HelpName = "none|gzip|zstd",
    };

    public static Option<FileInfo?> CsvSchema() => new("--csv-schema")
    {
        Description = "A JSON file describing CSV columns and types (see README): needed to read CSV, optional to write it; for json, the types to force on attributes (N, SS, NS, BS, B).",
    };

    public static Option<double?> SplitSize() => Number("--split-size-mb",
        "Target megabytes per split: smaller files are grouped up to it, larger uncompressed files cut at line boundaries. Default 256.", 0.0625, 1024.0 * 1024);

    /// <summary>Applies <see cref="SplitSize"/> to the source options.</summary>
    public static void ApplySplitSize(double? megabytes, DynamoDb.Connector.Import.ImportSourceOptions options)
    {
        if (megabytes is { } mb) options.TargetSplitBytes = Math.Max(1, (long)(mb * 1024 * 1024));
    }

    public static Option<bool> AllowOutsideSource() => new("--allow-outside-source")
    {
        Description = "Read manifest entries that point outside the source (outside the manifest's folder on disk, another bucket in S3); refused by default.",
    };

    public static Option<bool> AllowIncomplete() => new("--allow-incomplete")
    {
        Description = "Import an export that did not finish (no manifest, an export checkpoint or _started marker present); refused by default.",
    };

    public static Option<bool> Verify() => new("--verify")
    {
        Description = "Before writing anything, check every file against its manifest (native export: MD5 and item counts; EMR manifest: the itemCount, bytes and sha256 it lists).",
    };

    public static Option<bool> KeysUnique() => new("--keys-unique")
    {
        Description = "No key is in two files (or two parts of one file) of the source: run its splits concurrently. Default: a folder's files and the parts of one file are applied in input order, one split after another (exports of one table always run concurrently).",
    };

    /// <summary>Expression attribute names, as the AWS CLI takes them.</summary>
    public static Option<Dictionary<string, string>?> Names() => new("--names")
    {
        Description = "Attribute name placeholders as JSON: '{\"#pk\":\"pk\"}'.",
        HelpName = "json",
        CustomParser = r => ParseJson(r, "--names", ExportExpressionValues.ParseNames),
    };

    /// <summary>Expression attribute values in DynamoDB JSON, as the AWS CLI takes them.</summary>
    public static Option<Dictionary<string, AttributeValue>?> Values() => new("--values")
    {
        Description = "Value placeholders as DynamoDB JSON: '{\":p\":{\"S\":\"user#1\"}}'.",
        HelpName = "json",
        CustomParser = r => ParseJson(r, "--values", ExportExpressionValues.Parse),
    };

    private static T? ParseJson<T>(ArgumentResult result, string option, Func<string, T> parse)
        where T : class
    {
        if (result.Tokens.Count == 0) return null;
        try
        {
            return parse(result.Tokens[0].Value);
        }
        catch (FormatException e)
        {
            result.AddError($"{option}: {e.Message}");
            return null;
        }
    }

    public static Option<bool> Json() => new("--json") { Description = "Print one JSON object with the result on stdout instead of text." };

    /// <summary>Reads a name of one of the library's enums (<c>TryParse</c> of its <c>...Names</c> class).</summary>
    public delegate bool NameParser<T>(string? name, out T value);

    /// <summary>
    /// The value <paramref name="result"/>'s token names, or null with the error "Unknown <paramref name="what"/> 'x'.
    /// Use one of: ..." listing <paramref name="names"/>.
    /// </summary>
    public static T? ParseName<T>(ArgumentResult result, string what, NameParser<T> tryParse, IReadOnlyList<string> names)
        where T : struct
    {
        string value = result.Tokens[0].Value;
        if (tryParse(value, out var parsed)) return parsed;
        result.AddError($"Unknown {what} '{value}'. Use one of: {string.Join(", ", names)}.");
        return null;
    }
}
