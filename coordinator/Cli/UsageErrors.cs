using System.CommandLine;
using System.CommandLine.Parsing;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// Turns what System.CommandLine found wrong with the arguments into the one line the user sees: the first
/// mistake, named by its option, in our words. Unknown names come first, since they cause the errors after them;
/// a word starting with '-' that is no option is an unknown option even where the parser would take it for a file
/// name (a file really named so goes after <c>--</c>).
/// </summary>
internal static class UsageErrors
{
    /// <summary>The message for a command line that cannot run, without the "processfarm: " prefix; null when it can.</summary>
    public static string? Describe(ParseResult parse)
    {
        ArgumentNullException.ThrowIfNull(parse);
        if (parse.Action is { ClearsParseErrors: true })
        {
            return null; // --help or --version: they run whatever else is on the line
        }
        var command = parse.CommandResult.Command;
        if (FirstUnknownToken(parse) is { } unknown)
        {
            return unknown.StartsWith('-') && unknown.Length > 1
                ? UnknownOption(command, unknown)
                : command is RootCommand
                    ? $"unknown command '{unknown}'{(Closest(unknown, command.Subcommands.Select(c => c.Name)) is { } near ? $"; did you mean {near}?" : string.Empty)} (the commands are {CommandList(command)})"
                    : $"{command.Name}: unexpected argument '{unknown}'{ArgumentHint(command)}";
        }
        if (parse.Errors.Count == 0)
        {
            return null;
        }
        if (command is RootCommand)
        {
            return $"no command given; the commands are {CommandList(command)} (processfarm --help says what each does)";
        }
        var error = parse.Errors.FirstOrDefault(e => e.SymbolResult is OptionResult) ?? parse.Errors[0];
        return error.SymbolResult is OptionResult option ? DescribeOptionError(option, error) : OneLine(error.Message);
    }

    private static string DescribeOptionError(OptionResult result, ParseError error)
    {
        var option = result.Option;
        if (result.Tokens.Count == 0 && option.Arity.MinimumNumberOfValues > 0)
        {
            return $"{option.Name} needs a value: {option.Name} {option.HelpName ?? "VALUE"}";
        }
        if (result.Tokens.Count > option.Arity.MaximumNumberOfValues)
        {
            return $"{option.Name} is given {result.Tokens.Count} times ({string.Join(", ", result.Tokens.Select(t => $"'{t.Value}'"))}); give it once";
        }
        string message = OneLine(error.Message);
        return message.Contains(option.Name, StringComparison.Ordinal) ? message : $"{option.Name}: {message}";
    }

    /// <summary>
    /// The first word nothing took, or a word starting with '-' that a command's argument took although it came before
    /// any <c>--</c>: that one is a mistyped or unknown option, not a file name.
    /// </summary>
    private static string? FirstUnknownToken(ParseResult parse)
    {
        var tokens = parse.Tokens;
        int doubleDash = IndexOf(tokens, t => t.Type == TokenType.DoubleDash);
        int end = doubleDash < 0 ? tokens.Count : doubleDash;
        int first = int.MaxValue;
        foreach (var argument in parse.CommandResult.Command.Arguments)
        {
            foreach (var token in parse.GetResult(argument)?.Tokens ?? [])
            {
                int index = IndexOf(tokens, t => ReferenceEquals(t, token));
                if (index >= 0 && index < end && token.Value.StartsWith('-') && token.Value.Length > 1)
                {
                    first = Math.Min(first, index);
                }
            }
        }
        foreach (string unmatched in parse.UnmatchedTokens)
        {
            int index = IndexOf(tokens, t => t.Value == unmatched);
            if (index < 0)
            {
                return unmatched;
            }
            first = Math.Min(first, index);
        }
        return first == int.MaxValue ? null : tokens[first].Value;
    }

    private static string UnknownOption(Command command, string token)
    {
        string name = token.Split('=', 2)[0];
        string scope = command is RootCommand ? string.Empty : command.Name + ": ";
        // Only long names are suggested: one letter away from "-x" is every short alias.
        string? suggestion = name.StartsWith("--", StringComparison.Ordinal) ? Closest(name, command.Options.SelectMany(o => o.Aliases.Prepend(o.Name))) : null;
        string? file = command.Arguments.Count > 0 ? "a file named so goes after --" : null;
        return suggestion is not null
            ? $"{scope}unknown option '{name}'; did you mean {suggestion}?{(file is null ? string.Empty : $" ({file})")}"
            : $"{scope}unknown option '{name}' (see processfarm {(command is RootCommand ? string.Empty : command.Name + " ")}--help{(file is null ? string.Empty : $"; {file}")})";
    }

    private static string ArgumentHint(Command command) => command.Arguments.Count switch
    {
        0 => $"; {command.Name} takes options only",
        _ when command.Arguments.All(a => a.Arity.MaximumNumberOfValues == 1) => $"; {command.Name} takes one {command.Arguments[0].Name}",
        _ => string.Empty,
    };

    private static string CommandList(Command root) => OptionValues.JoinChoices([.. root.Subcommands.Select(c => c.Name)], "and");

    /// <summary>The known name nearest to <paramref name="name"/> when it is close enough to be a typo.</summary>
    private static string? Closest(string name, IEnumerable<string> known)
    {
        var best = known
            .Where(k => k.StartsWith("--", StringComparison.Ordinal) == name.StartsWith("--", StringComparison.Ordinal))
            .Select(k => (Name: k, Distance: Distance(name, k)))
            .MinBy(k => k.Distance);
        return best.Name is not null && best.Distance <= Math.Max(1, name.Length / 4) ? best.Name : null;
    }

    /// <summary>Levenshtein distance: edits (insert, delete, replace) from one word to the other.</summary>
    private static int Distance(string a, string b)
    {
        int[] previous = [.. Enumerable.Range(0, b.Length + 1)];
        int[] current = new int[b.Length + 1];
        for (int i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (int j = 1; j <= b.Length; j++)
            {
                current[j] = Math.Min(Math.Min(current[j - 1], previous[j]) + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1));
            }
            (previous, current) = (current, previous);
        }
        return previous[b.Length];
    }

    private static int IndexOf(IReadOnlyList<Token> tokens, Func<Token, bool> match)
    {
        for (int i = 0; i < tokens.Count; i++)
        {
            if (match(tokens[i]))
            {
                return i;
            }
        }
        return -1;
    }

    private static string OneLine(string message) =>
        string.Join(' ', message.ReplaceLineEndings("\n").Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)).TrimEnd('.');
}
