// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {JobMarketplace} from "../JobMarketplace.sol";

/// @title RejectingDepositor
/// @notice Test helper: a depositor contract that refuses native refunds, so settlement must credit
/// the refund to its deposit balance instead of losing it or reverting.
contract RejectingDepositor {
    JobMarketplace public immutable marketplace;
    bool public accepting;

    constructor(address marketplace_) {
        marketplace = JobMarketplace(marketplace_);
    }

    receive() external payable {
        require(accepting, "RejectingDepositor: refusing payment");
    }

    function setAccepting(bool accepting_) external {
        accepting = accepting_;
    }

    function createSession(
        address host,
        bytes32 modelId,
        uint256 pricePerToken,
        uint256 maxDuration,
        uint256 proofInterval,
        uint256 proofTimeoutWindow
    ) external payable returns (uint256) {
        return marketplace.createSessionJobForModel{value: msg.value}(
            host, modelId, pricePerToken, maxDuration, proofInterval, proofTimeoutWindow
        );
    }

    function complete(uint256 jobId) external {
        marketplace.completeSessionJob(jobId, "");
    }

    function withdraw() external {
        marketplace.withdrawDepositBalance(address(0));
    }
}
