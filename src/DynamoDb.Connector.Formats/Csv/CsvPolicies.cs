using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Csv;

/// <summary>What a reader makes of an empty cell: in a column of type <see cref="AttributeKind.S"/>, or (<see cref="Null"/>) in any column.</summary>
public enum CsvEmptyCells
{
    /// <summary>An empty cell is an empty string, as DynamoDB's native CSV import does (the default).</summary>
    EmptyString,
    /// <summary>An empty cell leaves the attribute out of the item. A quoted empty cell (<c>""</c>) is still an empty string.</summary>
    Omit,
    /// <summary>
    /// An empty cell, in a column of any type, is the attribute with the value NULL. A quoted empty cell (<c>""</c>)
    /// is still an empty string in an S column and empty binary in a B column.
    /// </summary>
    Null,
}

/// <summary>What a reader does with a record that has fewer cells than the header has columns.</summary>
public enum CsvRaggedRows
{
    /// <summary>The record is a bad record naming the columns it lacks (the default).</summary>
    Error,
    /// <summary>The missing trailing cells are read as empty cells (see <see cref="CsvSchema.EmptyCells"/>).</summary>
    Pad,
}

/// <summary>What a reader does with the cells of a record past the header's last column.</summary>
public enum CsvExtraCells
{
    /// <summary>The record is a bad record naming the extra cells (the default).</summary>
    Error,
    /// <summary>
    /// Each extra cell is kept as a string attribute named <c>column</c> and its 1-based position (<c>column11</c>),
    /// read as an S cell (empty cells per <see cref="CsvSchema.EmptyCells"/>). A record where that name is already a
    /// header column is a bad record.
    /// </summary>
    Keep,
}
