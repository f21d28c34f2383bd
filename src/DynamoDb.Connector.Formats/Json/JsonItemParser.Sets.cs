using DynamoDb.Connector.Formats.Items;

namespace DynamoDb.Connector.Formats.Json;

/// <summary>When two set elements are the same element, as DynamoDB compares them.</summary>
public sealed partial class JsonItemParser
{
    private const int SmallSet = 16;

    /// <summary>
    /// The index of the first element equal to an earlier one, or null. Strings compare by ordinal; numbers by value,
    /// as DynamoDB compares set elements ("1.5" and "1.50" are the same).
    /// </summary>
    internal static int? FindDuplicate(List<string> set, bool numbers)
    {
        if (set.Count <= SmallSet)
        {
            for (int i = 1; i < set.Count; i++)
            {
                for (int j = 0; j < i; j++)
                {
                    if (numbers ? SameNumber(set[i], set[j]) : string.Equals(set[i], set[j], StringComparison.Ordinal)) return i;
                }
            }
            return null;
        }
        var seen = new HashSet<string>(set.Count, StringComparer.Ordinal);
        for (int i = 0; i < set.Count; i++)
        {
            if (!seen.Add(numbers ? NumberText.Canonical(set[i]) : set[i])) return i;
        }
        return null;
    }

    /// <summary>Whether two valid numbers have the same value, without allocating (unlike comparing canonical forms).</summary>
    internal static bool SameNumber(string a, string b)
    {
        if (string.Equals(a, b, StringComparison.Ordinal))
        {
            return true;
        }
        if (!NumberText.TryGetSignificantDigits(a, out bool negativeA, out int highA, out int lowA)
            || !NumberText.TryGetSignificantDigits(b, out bool negativeB, out int highB, out int lowB)
            || negativeA != negativeB || highA != highB || lowA != lowB)
        {
            return false;
        }
        // Same sign and same powers of the first and last significant digit: compare those digits in order.
        int i = FirstSignificantDigit(a), j = FirstSignificantDigit(b);
        for (int remaining = highA == int.MinValue ? 0 : highA - lowA + 1; remaining > 0; remaining--)
        {
            if (a[i] != b[j]) return false;
            if (remaining > 1)
            {
                i = a[i + 1] == '.' ? i + 2 : i + 1;
                j = b[j + 1] == '.' ? j + 2 : j + 1;
            }
        }
        return true;
    }

    private static int FirstSignificantDigit(string number)
    {
        int i = number[0] is '-' or '+' ? 1 : 0;
        while (i < number.Length && number[i] is '0' or '.') i++;
        return i;
    }
}
