namespace DynamoDb.Connector.Formats.Items;

/// <summary>
/// DynamoDB numbers as text: kept exactly as written (38 significant digits survive), checked against the service's
/// rules: an optional sign, digits with an optional decimal point, an optional exponent; at most 38 significant digits;
/// magnitude between 1E-130 and 9.99...E+125.
/// </summary>
public static class NumberText
{
    /// <summary>The most significant digits DynamoDB keeps.</summary>
    public const int MaxSignificantDigits = 38;

    /// <summary>Whether <paramref name="text"/> is a number DynamoDB accepts; <paramref name="reason"/> says why not.</summary>
    public static bool IsValid(string? text, out string? reason) => IsValid(text.AsSpan(), out reason);

    /// <inheritdoc cref="IsValid(string?, out string?)"/>
    internal static bool IsValid(ReadOnlySpan<char> text, out string? reason)
    {
        if (text.IsEmpty)
        {
            reason = "number is empty";
            return false;
        }
        if (!TryGetSignificantDigits(text, out _, out var high, out var low))
        {
            reason = $"'{Excerpt(text)}' is not a number";
            return false;
        }
        if (high == int.MinValue)
        {
            reason = null;
            return true; // zero
        }
        int digits = high - low + 1;
        if (digits > MaxSignificantDigits)
        {
            reason = $"number '{Excerpt(text)}' has {digits} significant digits; DynamoDB keeps at most {MaxSignificantDigits}";
            return false;
        }
        if (high > 125)
        {
            reason = $"number '{Excerpt(text)}' is larger than DynamoDB allows (below 1E+126)";
            return false;
        }
        if (high < -130)
        {
            reason = $"number '{Excerpt(text)}' is smaller than DynamoDB allows (at least 1E-130)";
            return false;
        }
        reason = null;
        return true;
    }

    /// <summary>
    /// Parses the number syntax and returns the decimal powers of its most and least significant non-zero digits
    /// (both <see cref="int.MinValue"/> for zero). Returns false when the text is not a number.
    /// </summary>
    internal static bool TryGetSignificantDigits(ReadOnlySpan<char> text, out bool negative, out int mostSignificantPower, out int leastSignificantPower)
    {
        negative = false;
        mostSignificantPower = leastSignificantPower = int.MinValue;
        int i = 0;
        if (i < text.Length && (text[i] == '-' || text[i] == '+'))
        {
            negative = text[i] == '-';
            i++;
        }
        int digitCount = 0, pointIndex = -1;
        // Positions are counted over the mantissa digits only: digit k (0-based) has power (intDigits - 1 - k).
        int firstNonZero = -1, lastNonZero = -1;
        for (; i < text.Length; i++)
        {
            char c = text[i];
            if (c is >= '0' and <= '9')
            {
                if (c != '0')
                {
                    if (firstNonZero < 0) firstNonZero = digitCount;
                    lastNonZero = digitCount;
                }
                digitCount++;
            }
            else if (c == '.' && pointIndex < 0)
            {
                pointIndex = digitCount;
            }
            else
            {
                break;
            }
        }
        if (digitCount == 0)
        {
            return false;
        }
        long exponent = 0;
        if (i < text.Length)
        {
            if (text[i] is not ('e' or 'E'))
            {
                return false;
            }
            i++;
            bool exponentNegative = false;
            if (i < text.Length && (text[i] == '-' || text[i] == '+'))
            {
                exponentNegative = text[i] == '-';
                i++;
            }
            int exponentStart = i;
            for (; i < text.Length && text[i] is >= '0' and <= '9'; i++)
            {
                if (exponent < 100_000) exponent = exponent * 10 + (text[i] - '0');
            }
            if (i == exponentStart || i != text.Length)
            {
                return false;
            }
            if (exponentNegative) exponent = -exponent;
        }
        if (firstNonZero < 0)
        {
            negative = false;
            return true; // zero in any spelling
        }
        int integerDigits = pointIndex < 0 ? digitCount : pointIndex;
        mostSignificantPower = (int)(integerDigits - 1 - firstNonZero + exponent);
        leastSignificantPower = (int)(integerDigits - 1 - lastNonZero + exponent);
        return true;
    }

    /// <summary>
    /// A spelling that is equal for equal values ("1.50", "1.5" and "15E-1" all give "1.5E0"), for comparing set
    /// elements. Text that is not a number is returned unchanged.
    /// </summary>
    public static string Canonical(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        Span<char> buffer = text.Length <= 256 ? stackalloc char[CanonicalLength(text.Length)] : new char[CanonicalLength(text.Length)];
        return TryWriteCanonical(text, buffer, out int written) ? new string(buffer[..written]) : text;
    }

    /// <summary>The most chars <see cref="TryWriteCanonical"/> writes for a text of <paramref name="textLength"/> chars.</summary>
    internal static int CanonicalLength(int textLength) => textLength + 16;

    /// <summary>
    /// Writes the <see cref="Canonical(string)"/> spelling of <paramref name="text"/> into <paramref name="destination"/>
    /// (at least <see cref="CanonicalLength"/> long); false when the text is not a number.
    /// </summary>
    internal static bool TryWriteCanonical(ReadOnlySpan<char> text, Span<char> destination, out int written)
    {
        written = 0;
        if (!TryGetSignificantDigits(text, out var negative, out var high, out _))
        {
            return false;
        }
        if (high == int.MinValue)
        {
            destination[written++] = '0';
            return true;
        }
        if (negative) destination[written++] = '-';
        int first = written;
        // The significant run: from the first non-zero mantissa digit, a point after it, then trailing zeros dropped.
        foreach (char c in text)
        {
            if (c is 'e' or 'E') break;
            if (c is < '0' or > '9' || (c == '0' && written == first)) continue;
            destination[written++] = c;
            if (written == first + 1) destination[written++] = '.';
        }
        while (destination[written - 1] == '0') written--;
        if (destination[written - 1] == '.') written--;
        destination[written++] = 'E';
        high.TryFormat(destination[written..], out int exponentChars, default, System.Globalization.CultureInfo.InvariantCulture);
        written += exponentChars;
        return true;
    }

    private static string Excerpt(ReadOnlySpan<char> text) => text.Length <= 60 ? text.ToString() : string.Concat(text[..57], "...");
}
