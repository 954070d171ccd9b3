using Xunit;

namespace ProcessFarm.Tests.Cli;

/// <summary>
/// Every command with every kind of bad value: each is a usage error (exit 2) told in exactly one line on stderr
/// that names the option, before any work starts (nothing on stdout).
/// </summary>
[Collection(Integration.WorkerCollection.Name)] // runs the real binary: one at a time with the other tests that do
public class BadValueTests
{
    /// <summary>Command, kind of mistake, the arguments after the command, and the option the line must name.</summary>
    public static TheoryData<string, string, string[], string> Cases()
    {
        var data = new TheoryData<string, string, string[], string>();
        void Add(string command, string kind, string option, params string[] args) => data.Add(command, kind, args, option);

        Add("process", "non-number", "--ev", "--ev", "abc");
        Add("process", "non-number", "--workers", "--workers", "abc");
        Add("process", "non-number", "--quality", "-q", "abc");
        Add("process", "non-number", "--gamma", "--gamma", "inf");
        Add("process", "empty", "--ev", "--ev", "");
        Add("process", "empty", "--workers", "--workers=");
        Add("process", "comma decimal", "--ev", "--ev", "0,5");
        Add("process", "comma decimal", "--gamma", "--gamma", "1,5");
        Add("process", "NaN", "--gamma", "--gamma", "NaN");
        Add("process", "NaN", "--ev", "--ev", "nan");
        Add("process", "out of range", "--quality", "--quality", "101");
        Add("process", "out of range", "--ev", "--ev", "1e999");
        Add("process", "out of range", "--inflight", "--inflight", "0");
        Add("process", "unknown option", "--bogus", "--bogus");
        Add("process", "unknown option", "--modes", "--modes", "shm", "photo.png");
        Add("process", "missing value", "--ev", "--ev");
        Add("process", "missing value", "--output", "x.png", "-o");

        Add("echo", "non-number", "--count", "--count", "abc");
        Add("echo", "empty", "--repeat", "--repeat", "");
        Add("echo", "comma decimal", "--count", "--count", "1,5");
        Add("echo", "NaN", "--repeat", "--repeat", "NaN");
        Add("echo", "out of range", "--latency-round-trips", "--latency-round-trips", "-1");
        Add("echo", "out of range", "--size", "--size", "4G");
        Add("echo", "unknown option", "--bogus", "--bogus");
        Add("echo", "missing value", "--mode", "--mode");

        Add("tune", "non-number", "--workers", "--workers", "1,abc");
        Add("tune", "empty", "--workers", "--workers", "");
        Add("tune", "comma decimal", "--repeat", "--repeat", "2,5");
        Add("tune", "NaN", "--max-workers", "--max-workers", "NaN");
        Add("tune", "out of range", "--repeat", "--repeat", "0");
        Add("tune", "unknown option", "--bogus", "--bogus", "photo.png");
        Add("tune", "missing value", "--repeat", "--repeat");

        Add("fib", "non-number", "--n", "--n", "abc");
        Add("fib", "empty", "--n", "--n", "");
        Add("fib", "comma decimal", "--workers", "--workers", "2,5");
        Add("fib", "NaN", "--workers", "-w", "NaN");
        Add("fib", "out of range", "--workers", "--workers", "0");
        Add("fib", "out of range", "--n", "--n", "46"); // the protocol's cap (FibParameters.MaxN)
        Add("fib", "unknown option", "--bogus", "--bogus");
        Add("fib", "missing value", "--n", "--n");

        Add("serve", "non-number", "--port", "--port", "abc");
        Add("serve", "empty", "--port", "--port", "");
        Add("serve", "comma decimal", "--ev", "--ev", "0,5");
        Add("serve", "NaN", "--gamma", "--gamma", "NaN");
        Add("serve", "out of range", "--port", "--port", "70000");
        Add("serve", "unknown option", "--bogus", "--bogus");
        Add("serve", "missing value", "--port", "--port");
        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public async Task BadValue_ExitsWith2_OneLineNamingTheOption(string command, string kind, string[] args, string option)
    {
        var result = await Integration.Cli.RunAsync(AppContext.BaseDirectory, [command, .. args]);

        Assert.True(result.ExitCode == 2, $"{kind}: exit {result.ExitCode}, stderr: {result.Stderr}");
        string line = Assert.Single(result.ErrorLines);
        Assert.StartsWith("processfarm: ", line, StringComparison.Ordinal);
        Assert.Contains(option, line, StringComparison.Ordinal);
        Assert.Empty(result.Stdout);
    }

    [Theory]
    [InlineData(new[] { "bogus" }, "unknown command 'bogus'")]
    [InlineData(new[] { "proces" }, "did you mean process?")]
    [InlineData(new[] { "--bogus" }, "processfarm: unknown option '--bogus' (see processfarm --help)")]
    [InlineData(new[] { "process", "-x" }, "process: unknown option '-x' (see processfarm process --help; a file named so goes after --)")]
    [InlineData(new[] { "echo", "--modes", "pipe" }, "echo: unknown option '--modes'; did you mean --mode?")]
    [InlineData(new string[0], "no command given")]
    [InlineData(new[] { "echo", "extra" }, "unexpected argument 'extra'")]
    [InlineData(new[] { "tune", "a.png", "b.png" }, "unexpected argument 'b.png'")]
    [InlineData(new[] { "tune", "--mode", "serial" }, "nothing to tune")]
    [InlineData(new[] { "process", "--ev", "1", "--ev", "2" }, "--ev is given 2 times")]
    [InlineData(new[] { "process", "--json", "--format", "csv" }, "--json and --format csv disagree")]
    public async Task OtherMistakes_ExitWith2_InOneLine(string[] args, string expected)
    {
        var result = await Integration.Cli.RunAsync(AppContext.BaseDirectory, args);

        Assert.Equal(2, result.ExitCode);
        Assert.Contains(expected, Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task DashedFileName_AfterDoubleDash_IsAnInput_NotAnOption()
    {
        var result = await Integration.Cli.RunAsync(AppContext.BaseDirectory, "process", "--", "--no-such-photo.png");

        Assert.Equal(3, result.ExitCode); // an input error: the file does not exist
        Assert.Contains("'--no-such-photo.png' does not exist", Assert.Single(result.ErrorLines), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Help_WithAMistakeOnTheLine_StillShowsHelp()
    {
        var result = await Integration.Cli.RunAsync(AppContext.BaseDirectory, "process", "--ev", "abc", "--help");

        Assert.Equal(0, result.ExitCode);
        Assert.StartsWith("Usage: processfarm process", result.Stdout, StringComparison.Ordinal);
    }
}
