using Spectre.Console;
using Spectre.Console.Rendering;

namespace ProcessFarm.Coordinator.Reports;

/// <summary>Spectre.Console over the command's own writers: tables on stdout, a progress bar on stderr when it is a terminal.</summary>
internal static class Terminal
{
    /// <summary>
    /// Whether <paramref name="output"/> is a file, a pipe or a test's writer rather than a terminal: then tables use
    /// plain ASCII characters (no box drawing, no colour) and units are spelled in ASCII ("us").
    /// </summary>
    public static bool IsPlain(TextWriter output) => !ReferenceEquals(output, Console.Out) || Console.IsOutputRedirected;

    /// <summary>Renders a table to <paramref name="output"/>; without a terminal, plain characters at a fixed width.</summary>
    public static void Write(TextWriter output, IRenderable renderable)
    {
        bool plain = IsPlain(output);
        var console = AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(output),
            Ansi = plain ? AnsiSupport.No : AnsiSupport.Detect,
            ColorSystem = plain ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
            Interactive = InteractionSupport.No,
        });
        if (plain)
        {
            // Wide enough that no table is wrapped in a file: a file has no width. Tables are designed for 80 columns.
            console.Profile.Width = 200;
            console.Profile.Capabilities.Unicode = false;
            if (renderable is Table table)
            {
                table.Border(TableBorder.Ascii);
            }
        }
        console.Write(renderable);
    }

    /// <summary>A table with the given headers; headers starting with '>' are right-aligned.</summary>
    public static Table Table(params string[] headers)
    {
        var table = new Table().Border(TableBorder.Rounded);
        foreach (string header in headers)
        {
            var column = new TableColumn(Markup.Escape(header.TrimStart('>')));
            table.AddColumn(header.StartsWith('>') ? column.RightAligned() : column);
        }
        return table;
    }

    /// <summary>
    /// Runs <paramref name="body"/> with a step reporter: a Spectre progress bar on stderr when stderr is a terminal,
    /// otherwise one line per step.
    /// </summary>
    public static async Task RunWithProgressAsync(TextWriter error, string title, int steps, Func<Action<string>, Task> body)
    {
        if (!ReferenceEquals(error, Console.Error) || Console.IsErrorRedirected)
        {
            await body(line => error.WriteLine(line));
            return;
        }
        var console = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(error) });
        await console.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new ElapsedTimeColumn())
            .StartAsync(async context =>
            {
                var task = context.AddTask(Markup.Escape(title), maxValue: steps);
                int started = 0;
                await body(step =>
                {
                    task.Value = started++; // steps completed so far
                    task.Description = Markup.Escape(step);
                });
                task.Value = steps;
            });
    }
}
