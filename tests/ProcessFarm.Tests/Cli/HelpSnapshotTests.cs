using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Xunit;

namespace ProcessFarm.Tests.Cli;

/// <summary>
/// Every command's <c>--help</c> against a checked-in copy (Help/*.txt beside this file), byte for byte, and the
/// README's commands section against those copies: its headings are the usage lines, it holds each help verbatim,
/// and every option it mentions exists. A change to the help is thereby always a deliberate one. To accept one,
/// regenerate the copies and the README's help blocks, then review the diff:
/// <code>PROCESSFARM_UPDATE_HELP=1 dotnet test tests/ProcessFarm.Tests -c Release --filter FullyQualifiedName~HelpSnapshotTests</code>
/// </summary>
[Collection(Integration.WorkerCollection.Name)] // runs the real binary: one at a time with the other tests that do
public partial class HelpSnapshotTests
{
    /// <summary>The top-level help ("processfarm") and each command's.</summary>
    public static TheoryData<string> Commands => new() { "processfarm", "process", "echo", "tune", "fib", "serve" };

    private static bool Updating => Environment.GetEnvironmentVariable("PROCESSFARM_UPDATE_HELP") == "1";

    [Theory]
    [MemberData(nameof(Commands))]
    public async Task Help_IsTheCheckedInCopy(string command)
    {
        string help = await HelpAsync(command);
        string path = SnapshotPath(command);

        if (Updating)
        {
            File.WriteAllText(path, help);
        }

        Assert.True(File.Exists(path), $"no snapshot {path}: run with PROCESSFARM_UPDATE_HELP=1 to create it");
        Assert.Equal(File.ReadAllText(path), help);
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Help_FitsIn80Columns(string command)
    {
        Assert.All(File.ReadAllLines(SnapshotPath(command)), line => Assert.True(line.Length <= 80, $"{line.Length} columns: {line}"));
    }

    [Fact]
    public async Task Readme_HoldsEachHelp_Verbatim()
    {
        string readme = File.ReadAllText(ReadmePath());
        if (Updating)
        {
            foreach (string command in Commands)
            {
                string help = await HelpAsync(command); // not the copy, which the other test may not have rewritten yet
                readme = HelpBlock(command).Replace(readme, _ => Block(command, help));
            }
            File.WriteAllText(ReadmePath(), readme);
            return;
        }

        foreach (string command in Commands)
        {
            var block = HelpBlock(command).Match(readme);
            Assert.True(block.Success, $"the README has no <!-- help: {command} --> block");
            Assert.Equal(Block(command, File.ReadAllText(SnapshotPath(command))), block.Value);
        }
    }

    [Theory]
    [MemberData(nameof(Commands))]
    public void Readme_CommandHeading_IsTheUsageLine_AndMentionsOnlyItsOptions(string command)
    {
        if (command == "processfarm")
        {
            return; // the top level has no section of its own
        }
        string readme = File.ReadAllText(ReadmePath());
        string help = File.ReadAllText(SnapshotPath(command));
        string usage = help.Split('\n')[0]["Usage: ".Length..];

        string heading = $"### `{usage}`";
        int start = readme.IndexOf(heading, StringComparison.Ordinal);
        Assert.True(start >= 0, $"the README has no heading {heading}");
        int end = NextHeading().Match(readme, start + heading.Length) is { Success: true } next ? next.Index : readme.Length;
        var known = OptionName().Matches(help).Select(m => m.Value).ToHashSet(StringComparer.Ordinal);
        var mentioned = OptionName().Matches(readme[start..end]).Select(m => m.Value).Distinct();
        Assert.All(mentioned, option => Assert.True(known.Contains(option), $"the README's {command} section mentions {option}, which {command} does not have"));
    }

    private static async Task<string> HelpAsync(string command)
    {
        var result = await Integration.Cli.RunAsync(AppContext.BaseDirectory, command == "processfarm" ? ["--help"] : [command, "--help"]);
        Assert.True(result.ExitCode == 0, result.Stderr);
        return result.Stdout;
    }

    private static string Block(string command, string help) =>
        $"<!-- help: {command} -->\n```\n$ {(command == "processfarm" ? "processfarm" : $"processfarm {command}")} --help\n{help}```\n<!-- /help: {command} -->";

    private static Regex HelpBlock(string command) => new($"<!-- help: {command} -->.*?<!-- /help: {command} -->", RegexOptions.Singleline);

    private static string SnapshotPath(string command) => Path.Combine(SourceDirectory(), "Help", command + ".txt");

    private static string ReadmePath()
    {
        for (string? directory = SourceDirectory(); directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (File.Exists(Path.Combine(directory, "ProcessFarm.sln")))
            {
                return Path.Combine(directory, "README.md");
            }
        }
        throw new InvalidOperationException("no ProcessFarm.sln above " + SourceDirectory());
    }

    /// <summary>This file's directory in the source tree, where the checked-in copies live.</summary>
    private static string SourceDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;

    [GeneratedRegex(@"(?<![\w-])--[a-z][a-z0-9-]*")]
    private static partial Regex OptionName();

    [GeneratedRegex(@"^#{1,3} ", RegexOptions.Multiline)]
    private static partial Regex NextHeading();
}
