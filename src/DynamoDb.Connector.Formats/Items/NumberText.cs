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
    public static bool IsValid(string? text, out string? reason)
    {
        if (string.IsNullOrEmpty(text))
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
        if (!TryGetSignificantDigits(text, out var negative, out var high, out var low))
        {
            return text;
        }
        if (high == int.MinValue)
        {
            return "0";
        }
        var digits = new System.Text.StringBuilder(high - low + 8);
        if (negative) digits.Append('-');
        foreach (char c in text)
        {
            if (c is 'e' or 'E') break;
            if (c is >= '0' and <= '9') digits.Append(c);
        }
        // Keep only the significant run: strip the zeros before the first and after the last non-zero digit.
        string all = digits.ToString().TrimStart('-').Trim('0');
        return $"{(negative ? "-" : "")}{all[0]}{(all.Length > 1 ? "." + all[1..] : "")}E{high}";
    }

    private static string Excerpt(string text) => text.Length <= 60 ? text : string.Concat(text.AsSpan(0, 57), "...");
}
