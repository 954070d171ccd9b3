using System.Diagnostics;
using System.Globalization;

namespace ProcessFarm.Worker;

/// <summary>
/// Test-only faults, so the coordinator's recovery can be tested deterministically. <c>PROCESSFARM_TEST_FAULT</c>
/// holds rules separated by <c>;</c>, each <c>WORKER:ACTION:WHEN</c>: WORKER is a worker id or <c>*</c> (every
/// worker, replacements included); ACTION is <c>crash</c> (SIGKILL itself, like a crash in native code) or
/// <c>hang</c> (stop answering); WHEN is <c>N</c> (as its N-th job arrives), <c>start</c> (before it connects),
/// <c>attach</c> (as a region Attach arrives) or <c>file=NAME</c> (as a file job for an input named NAME arrives).
/// Unset, it does nothing.
/// </summary>
internal sealed class FaultInjection
{
    private readonly List<Rule> _rules;
    private int _jobs;

    private FaultInjection(List<Rule> rules) => _rules = rules;

    public static FaultInjection FromEnvironment(uint workerId)
    {
        var rules = new List<Rule>();
        foreach (string text in (Environment.GetEnvironmentVariable("PROCESSFARM_TEST_FAULT") ?? string.Empty).Split(';', StringSplitOptions.RemoveEmptyEntries))
        {
            string[] parts = text.Split(':', 3);
            if (parts.Length == 3
                && (parts[0] == "*" || (uint.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out uint id) && id == workerId))
                && parts[1] is "crash" or "hang")
            {
                rules.Add(new Rule(parts[1], parts[2]));
            }
        }
        return new FaultInjection(rules);
    }

    /// <summary>Called before the worker connects.</summary>
    public void OnStart() => Trigger(rule => rule.When == "start");

    /// <summary>Called as an Attach arrives, before it runs.</summary>
    public void OnAttach() => Trigger(rule => rule.When == "attach");

    /// <summary>Called as each job arrives, before it runs; <paramref name="input"/> is a file job's input path.</summary>
    public void OnJob(string? input)
    {
        if (_rules.Count == 0)
        {
            return;
        }
        string jobs = (++_jobs).ToString(CultureInfo.InvariantCulture);
        string? file = input is null ? null : "file=" + Path.GetFileName(input);
        Trigger(rule => rule.When == jobs || rule.When == file);
    }

    private void Trigger(Func<Rule, bool> matches)
    {
        foreach (var rule in _rules)
        {
            if (!matches(rule))
            {
                continue;
            }
            if (rule.Action == "crash")
            {
                Process.GetCurrentProcess().Kill();
            }
            Thread.Sleep(Timeout.Infinite);
        }
    }

    private sealed record Rule(string Action, string When);
}
