// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ProofSystem
/// @notice Records which proof hashes were used, so a proof cannot be claimed twice. The proofs
/// themselves (signed transcript chains, EZKL) are verified off chain by the SDK.
contract ProofSystem is Ownable {
    mapping(bytes32 => bool) public verifiedProofs;
    mapping(address => bool) public authorizedCallers;

    event ProofMarked(bytes32 indexed proofHash, address indexed prover, uint256 claimedTokens, bytes32 modelId);
    event AuthorizedCallerSet(address indexed caller, bool authorized);

    error NotAuthorized(address caller);

    constructor(address initialOwner) Ownable(initialOwner) {}

    function setAuthorizedCaller(address caller, bool authorized) external onlyOwner {
        authorizedCallers[caller] = authorized;
        emit AuthorizedCallerSet(caller, authorized);
    }

    /// @return false when the hash was used before (nothing is recorded then).
    function markProofUsed(bytes32 proofHash, address prover, uint256 claimedTokens, bytes32 modelId)
        external
        returns (bool)
    {
        if (!authorizedCallers[msg.sender]) revert NotAuthorized(msg.sender);
        if (verifiedProofs[proofHash]) return false;
        verifiedProofs[proofHash] = true;
        emit ProofMarked(proofHash, prover, claimedTokens, modelId);
        return true;
    }
}
