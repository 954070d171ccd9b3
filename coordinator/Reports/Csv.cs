using System.Globalization;

namespace ProcessFarm.Coordinator.Reports;

/// <summary>CSV and Markdown cells: invariant numbers, quoting only where a field needs it (RFC 4180).</summary>
internal static class Csv
{
    /// <summary>One CSV line of <paramref name="fields"/>.</summary>
    public static string Line(params IEnumerable<object?> fields) => string.Join(',', fields.Select(Field));

    /// <summary>A field: numbers in the invariant culture, text quoted when it holds a comma, a quote or a line break.</summary>
    public static string Field(object? value)
    {
        string text = Text(value);
        return text.AsSpan().IndexOfAny(",\"\r\n") >= 0 ? $"\"{text.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : text;
    }

    /// <summary>One Markdown table row of <paramref name="cells"/>: pipes escaped, line breaks flattened.</summary>
    public static string MarkdownRow(params IEnumerable<object?> cells) =>
        "| " + string.Join(" | ", cells.Select(c => Text(c).Replace("|", "\\|", StringComparison.Ordinal).ReplaceLineEndings(" "))) + " |";

    private static string Text(object? value) => value switch
    {
        null => string.Empty,
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
