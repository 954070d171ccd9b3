using System.CommandLine;
using System.CommandLine.Parsing;
using System.Globalization;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Parsers for option values: numbers in the invariant culture whatever the user's locale, within a range, one of a
/// few words, or a comma-separated list of them. A bad value becomes one parse error naming the option, never an
/// exception: range checks live in the parser because System.CommandLine runs an option's validators even after its
/// parser failed, and reading the value there throws.
/// </summary>
internal static class OptionValues
{
    private static readonly CultureInfo s_c = CultureInfo.InvariantCulture;

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>; <paramref name="why"/> explains the bound.</summary>
    public static Option<int> Int(Option<int> option, int min, int max, string? why = null)
    {
        option.CustomParser = result => TryParseInteger(option.Name, result, min, max, why, out long value) ? (int)value : default;
        return option;
    }

    /// <summary>An optional whole number from <paramref name="min"/> to <paramref name="max"/> (null when not given).</summary>
    public static Option<int?> Int(Option<int?> option, int min, int max)
    {
        option.CustomParser = result => TryParseInteger(option.Name, result, min, max, why: null, out long value) ? (int)value : null;
        return option;
    }

    /// <summary>A whole number from <paramref name="min"/> to <paramref name="max"/>.</summary>
    public static Option<long> Long(Option<long> option, long min, long max)
    {
        option.CustomParser = result => TryParseInteger(option.Name, result, min, max, why: null, out long value) ? value : default;
        return option;
    }

    /// <summary>A finite number, greater than 0 when <paramref name="positive"/>; decimals with a dot.</summary>
    public static Option<double> Double(Option<double> option, bool positive = false)
    {
        option.CustomParser = result =>
        {
            if (!TryGetSingleToken(option.Name, result, "a number", out string text))
            {
                return default;
            }
            if (!double.TryParse(text, NumberStyles.Float, s_c, out double value))
            {
                result.AddError(text.Contains(',', StringComparison.Ordinal)
                    ? $"{option.Name}: '{text}' is not a number: write decimals with a dot ({text.Replace(',', '.')}), whatever the locale"
                    : $"{option.Name}: '{text}' is not a number");
                return default;
            }
            if (!double.IsFinite(value) || (positive && value <= 0))
            {
                result.AddError($"{option.Name} must be a finite number{(positive ? " greater than 0" : string.Empty)}, not '{text}'");
                return default;
            }
            return value;
        };
        return option;
    }

    /// <summary>One of <paramref name="choices"/>, as typed (lower case).</summary>
    public static Option<string> OneOf(Option<string> option, params string[] choices)
    {
        option.CustomParser = result =>
        {
            if (!TryGetSingleToken(option.Name, result, JoinChoices(choices, "or"), out string text))
            {
                return null;
            }
            if (!choices.Contains(text, StringComparer.Ordinal))
            {
                result.AddError($"{option.Name}: '{text}' is not one of {JoinChoices(choices, "or")}");
                return null;
            }
            return text;
        };
        option.CompletionSources.Add(choices);
        return option;
    }

    /// <summary>
    /// A comma-separated list of <paramref name="choices"/>, or <paramref name="all"/> for every choice; duplicates
    /// dropped, in the order of <paramref name="choices"/>. <paramref name="refused"/> names a word that is understood
    /// but refused, with the reason. The default is every choice, shown as <paramref name="all"/>. <paramref name="beyondAll"/>
    /// are choices that must be asked for by name and are never in <paramref name="all"/> (cluster, which needs nodes).
    /// </summary>
    public static Option<string[]> ListOf(Option<string[]> option, string[] choices, string all, (string Word, string Why)? refused = null, string[]? beyondAll = null)
    {
        string[] named = [.. choices, .. beyondAll ?? []];
        option.AllowMultipleArgumentsPerToken = false;
        option.DefaultValueFactory = _ => choices;
        option.WithDefaultText(all);
        option.CustomParser = result =>
        {
            string? text = JoinTokens(option.Name, result, $"{JoinChoices(named, "or")} (several separated by commas) or {all}");
            if (text is null)
            {
                return null;
            }
            var chosen = new HashSet<string>(StringComparer.Ordinal);
            foreach (string word in text.Split(',', StringSplitOptions.TrimEntries))
            {
                if (word == all)
                {
                    chosen.UnionWith(choices);
                }
                else if (refused is { } r && word == r.Word)
                {
                    result.AddError($"{option.Name}: {r.Why}");
                    return null;
                }
                else if (named.Contains(word, StringComparer.Ordinal))
                {
                    chosen.Add(word);
                }
                else
                {
                    result.AddError($"{option.Name}: '{word}' is not one of {JoinChoices([.. named, all], "or")}{(text.Contains(',', StringComparison.Ordinal) ? $" (in '{text}')" : string.Empty)}");
                    return null;
                }
            }
            return [.. named.Where(chosen.Contains)];
        };
        option.CompletionSources.Add([.. named, all]);
        return option;
    }

    /// <summary>A comma-separated list of whole numbers from <paramref name="min"/> to <paramref name="max"/>, sorted, duplicates dropped.</summary>
    public static Option<int[]?> IntList(Option<int[]?> option, int min, int max)
    {
        option.AllowMultipleArgumentsPerToken = false;
        option.CustomParser = result =>
        {
            string? text = JoinTokens(option.Name, result, string.Create(s_c, $"whole numbers from {min} to {max} separated by commas"));
            if (text is null)
            {
                return null;
            }
            var values = new SortedSet<int>();
            foreach (string part in text.Split(',', StringSplitOptions.TrimEntries))
            {
                if (!TryParseInteger(option.Name, part, min, max, why: null, result, out long value))
                {
                    return null;
                }
                values.Add((int)value);
            }
            return [.. values];
        };
        return option;
    }

    /// <summary>"a, b or c".</summary>
    public static string JoinChoices(IReadOnlyList<string> choices, string conjunction) =>
        choices.Count == 1 ? choices[0] : $"{string.Join(", ", choices.Take(choices.Count - 1))} {conjunction} {choices[^1]}";

    private static bool TryParseInteger(string name, ArgumentResult result, long min, long max, string? why, out long value)
    {
        value = 0;
        return TryGetSingleToken(name, result, "a whole number", out string text) && TryParseInteger(name, text, min, max, why, result, out value);
    }

    private static bool TryParseInteger(string name, string text, long min, long max, string? why, ArgumentResult result, out long value)
    {
        if (!long.TryParse(text, NumberStyles.AllowLeadingSign | NumberStyles.AllowLeadingWhite | NumberStyles.AllowTrailingWhite, s_c, out value))
        {
            string digits = text.Replace(",", string.Empty, StringComparison.Ordinal);
            result.AddError(text.Length == 0
                ? $"{name}: an empty value; give a whole number"
                : text.Contains(',', StringComparison.Ordinal) && digits.Length > 0 && digits.All(char.IsAsciiDigit)
                    ? $"{name}: '{text}' is not a whole number: write it without separators ({digits})"
                    : $"{name}: '{text}' is not a whole number");
            return false;
        }
        if (value < min || value > max)
        {
            string range = max is int.MaxValue or long.MaxValue
                ? string.Create(s_c, $"at least {min}")
                : string.Create(s_c, $"between {min} and {max}");
            result.AddError(string.Create(s_c, $"{name} must be {range}{(why is null ? string.Empty : $" ({why})")}, not {value}"));
            return false;
        }
        return true;
    }

    /// <summary>The option's one value; an empty one is an error that says what was expected.</summary>
    private static bool TryGetSingleToken(string name, ArgumentResult result, string expected, out string text)
    {
        text = result.Tokens.Count > 0 ? result.Tokens[0].Value : string.Empty;
        if (text.Trim().Length == 0)
        {
            result.AddError($"{name}: an empty value; give {expected}");
            return false;
        }
        return true;
    }

    /// <summary>All of a list option's tokens as one comma-separated text, or null (and an error) when it is empty.</summary>
    private static string? JoinTokens(string name, ArgumentResult result, string expected)
    {
        string text = string.Join(',', result.Tokens.Select(t => t.Value));
        if (text.Split(',', StringSplitOptions.TrimEntries).Any(part => part.Length == 0))
        {
            result.AddError(text.Trim().Length == 0 ? $"{name}: an empty value; give {expected}" : $"{name}: an empty item in '{text}'; give {expected}");
            return null;
        }
        return text;
    }
}
