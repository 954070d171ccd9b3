namespace ProcessFarm.Shared.Protocol;

/// <summary>The first frame a worker sends.</summary>
/// <param name="Version">The protocol version the worker speaks.</param>
/// <param name="WorkerId">The id the coordinator gave the worker on its command line.</param>
/// <param name="ProcessId">The worker's process id.</param>
/// <param name="Secret">The per-run secret the worker read from its standard input.</param>
/// <param name="Kernel">The LUT kernel the worker's CPU runs (for reports).</param>
public sealed record HelloMessage(uint Version, uint WorkerId, int ProcessId, byte[] Secret, string Kernel);
