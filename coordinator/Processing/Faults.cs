using System.Globalization;

namespace ProcessFarm.Coordinator.Processing;

/// <summary>The one wording of a run's worker faults, for the process and batch reports.</summary>
internal static class Faults
{
    /// <summary>"2 workers died (2 replaced); 3 tiles re-run on other workers".</summary>
    public static string Describe(int deaths, int replaced, int retried, string unit) => string.Create(
        CultureInfo.InvariantCulture,
        $"{deaths} {(deaths == 1 ? "worker" : "workers")} died or hung ({replaced} replaced); {retried} {unit}{(retried == 1 ? string.Empty : "s")} re-run on other workers");
}
