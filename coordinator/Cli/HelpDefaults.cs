using System.Collections;
using System.CommandLine;
using System.Globalization;
using System.Runtime.CompilerServices;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// What <c>--help</c> prints as an option's default, in the form the user types: <c>threads,pipe,shm</c> rather than
/// an enum's names, <c>1K,4K</c> rather than byte counts, and words where the value depends on the machine ("the
/// usable cores"), so that help reads the same everywhere and its checked-in copies do not depend on the machine.
/// </summary>
internal static class HelpDefaults
{
    private static readonly ConditionalWeakTable<Option, string> s_texts = [];

    /// <summary>Shows <paramref name="text"/> as the default of <paramref name="option"/> instead of its value.</summary>
    public static T WithDefaultText<T>(this T option, string text)
        where T : Option
    {
        s_texts.AddOrUpdate(option, text);
        return option;
    }

    /// <summary>The default as help shows it, or null when there is none worth showing (a flag, nothing given).</summary>
    public static string? TextFor(Option option)
    {
        if (s_texts.TryGetValue(option, out string? text))
        {
            return text;
        }
        if (!option.HasDefaultValue || option.ValueType == typeof(bool))
        {
            return null;
        }
        return Format(option.GetDefaultValue());
    }

    private static string? Format(object? value) => value switch
    {
        null => null,
        string s => s,
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        IEnumerable items => string.Join(',', items.Cast<object?>().Select(Format)),
        _ => value.ToString(),
    };
}
