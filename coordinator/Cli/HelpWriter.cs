using System.CommandLine;
using System.CommandLine.Help;
using System.CommandLine.Invocation;
using System.Text;

namespace ProcessFarm.Coordinator.Cli;

/// <summary>
/// <c>--help</c>, written here rather than by System.CommandLine: optional arguments in brackets (<c>process
/// [INPUT...]</c>, also in the list of commands), defaults in the form the user types (<see cref="HelpDefaults"/>),
/// and the same 80 columns on every machine, so that tests/ProcessFarm.Tests/Cli/Help/ can hold exact copies.
/// </summary>
internal sealed class HelpWriter : SynchronousCommandLineAction
{
    /// <summary>The width help is wrapped to, whatever the terminal.</summary>
    public const int Width = 80;

    /// <summary>A label longer than this puts its description on the next line.</summary>
    private const int MaxLabelWidth = 30;

    /// <summary>Help runs whatever else is on the command line, mistakes included.</summary>
    public override bool ClearsParseErrors => true;

    /// <summary>Makes every help option of <paramref name="root"/> write this help.</summary>
    public static void Install(RootCommand root)
    {
        ArgumentNullException.ThrowIfNull(root);
        foreach (var help in root.Options.OfType<HelpOption>())
        {
            help.Action = new HelpWriter();
        }
    }

    public override int Invoke(ParseResult parseResult)
    {
        ArgumentNullException.ThrowIfNull(parseResult);
        parseResult.InvocationConfiguration.Output.Write(Render(parseResult.CommandResult.Command, parseResult.RootCommandResult.Command));
        return 0;
    }

    /// <summary>The help text of <paramref name="command"/>, a subcommand of <paramref name="root"/> or the root itself.</summary>
    public static string Render(Command command, Command root)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(root);
        var text = new StringBuilder();
        text.Append("Usage: ").Append(UsageLine(command)).Append('\n');
        foreach (string paragraph in (command.Description ?? string.Empty).Split("\n\n", StringSplitOptions.RemoveEmptyEntries))
        {
            text.Append('\n');
            foreach (string line in Wrap(paragraph.ReplaceLineEndings(" "), Width))
            {
                text.Append(line).Append('\n');
            }
        }
        if (command.Arguments.Count > 0)
        {
            Section(text, "Arguments:", command.Arguments.Where(a => !a.Hidden).Select(a => (a.Name, a.Description ?? string.Empty)));
        }
        if (command.Subcommands.Count > 0)
        {
            Section(text, "Commands:", command.Subcommands.Where(c => !c.Hidden).Select(c => ((c.Name + ArgumentsUsage(c)).TrimEnd(), c.Description ?? string.Empty)));
        }
        var options = command.Options.Concat(ReferenceEquals(command, root) ? [] : root.Options.Where(o => o.Recursive)).Where(o => !o.Hidden);
        Section(text, "Options:", options.Select(o => (OptionLabel(o), OptionDescription(o))));
        if (command.Subcommands.Count > 0)
        {
            text.Append('\n').Append("Run 'processfarm COMMAND --help' for the options of a command.\n");
        }
        return text.ToString();
    }

    /// <summary>"processfarm process [INPUT...] [options]": the synopsis the README's headings repeat.</summary>
    public static string UsageLine(Command command)
    {
        ArgumentNullException.ThrowIfNull(command);
        return command is RootCommand ? "processfarm COMMAND [options]" : $"processfarm {command.Name}{ArgumentsUsage(command)} [options]";
    }

    private static string ArgumentsUsage(Command command) => string.Concat(command.Arguments.Where(a => !a.Hidden).Select(a =>
        (a.Arity.MinimumNumberOfValues, a.Arity.MaximumNumberOfValues) switch
        {
            (0, 1) => $" [{a.Name}]",
            (0, _) => $" [{a.Name}...]",
            (_, 1) => $" {a.Name}",
            _ => $" {a.Name}...",
        }));

    private static string OptionLabel(Option option)
    {
        var names = option.Aliases.Where(a => a.StartsWith('-')).Order(StringComparer.Ordinal).Append(option.Name);
        string label = string.Join(", ", names);
        return option.ValueType == typeof(bool) || option.Arity.MaximumNumberOfValues == 0 ? label : $"{label} {option.HelpName ?? "VALUE"}";
    }

    private static string OptionDescription(Option option) =>
        HelpDefaults.TextFor(option) is { } value ? $"{option.Description} [default: {value}]" : option.Description ?? string.Empty;

    private static void Section(StringBuilder text, string title, IEnumerable<(string Label, string Description)> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }
        text.Append('\n').Append(title).Append('\n');
        int labelWidth = list.Select(r => r.Label.Length).Where(l => l <= MaxLabelWidth).DefaultIfEmpty(MaxLabelWidth).Max();
        string indent = new(' ', 2 + labelWidth + 2);
        foreach (var (label, description) in list)
        {
            var lines = Wrap(description, Width - indent.Length);
            if (label.Length > labelWidth)
            {
                text.Append("  ").Append(label).Append('\n');
                foreach (string line in lines)
                {
                    text.Append(indent).Append(line).Append('\n');
                }
                continue;
            }
            for (int i = 0; i < lines.Count; i++)
            {
                text.Append(i == 0 ? $"  {label.PadRight(labelWidth)}  " : indent).Append(lines[i]).Append('\n');
            }
        }
    }

    /// <summary>Words of <paramref name="text"/> in lines of at most <paramref name="width"/> characters (a longer word alone).</summary>
    private static List<string> Wrap(string text, int width)
    {
        var lines = new List<string>();
        var line = new StringBuilder();
        foreach (string word in text.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            if (line.Length > 0 && line.Length + 1 + word.Length > width)
            {
                lines.Add(line.ToString());
                line.Clear();
            }
            line.Append(line.Length > 0 ? " " : string.Empty).Append(word);
        }
        if (line.Length > 0 || lines.Count == 0)
        {
            lines.Add(line.ToString());
        }
        return lines;
    }
}
