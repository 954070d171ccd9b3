using System.Globalization;

namespace ProcessFarm.Coordinator.Reports;

/// <summary>"1 tile", "2 tiles": counts with their noun in the right number.</summary>
internal static class Plural
{
    /// <summary>The noun for <paramref name="count"/>: <paramref name="singular"/> for one, else the plural (default: with an s).</summary>
    public static string Noun(long count, string singular, string? plural = null) => count == 1 ? singular : plural ?? singular + "s";

    /// <summary>The count and its noun: "1 tile", "16 tiles".</summary>
    public static string Count(long count, string singular, string? plural = null) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {Noun(count, singular, plural)}");
}
