namespace ProcessFarm.Shared.Protocol;

/// <summary>The worker's answer to the Challenge (docs/PROTOCOL.md, "Handshake").</summary>
/// <param name="Version">The protocol version the worker speaks.</param>
/// <param name="WorkerId">The id the coordinator gave the worker on its command line.</param>
/// <param name="ProcessId">The worker's process id.</param>
/// <param name="Proof">HMAC-SHA256 of the challenge under the run's secret (<see cref="HandshakeProof.Hello"/>); never the secret itself.</param>
/// <param name="Kernel">The LUT kernel the worker's CPU runs (for reports).</param>
/// <param name="Nonce">The worker's own random bytes, which the Welcome's proof covers.</param>
public sealed record HelloMessage(uint Version, uint WorkerId, int ProcessId, byte[] Proof, string Kernel, byte[] Nonce);
