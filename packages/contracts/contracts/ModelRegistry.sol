// SPDX-License-Identifier: MIT
pragma solidity ^0.8.24;

import {Ownable} from "@openzeppelin/contracts/access/Ownable.sol";

/// @title ModelRegistry
/// @notice The models hosts may serve. A model id is keccak256(bytes("repo/file")).
contract ModelRegistry is Ownable {
    struct Model {
        string huggingfaceRepo;
        string fileName;
        bytes32 sha256Hash;
        uint256 approvalTier;
        bool active;
        uint256 timestamp;
    }

    mapping(bytes32 => Model) private models;
    bytes32[] private modelList;

    event ModelAdded(bytes32 indexed modelId, string huggingfaceRepo, string fileName, bytes32 sha256Hash);
    event ModelDeactivated(bytes32 indexed modelId);

    error ModelAlreadyExists(bytes32 modelId);
    error ModelNotFound(bytes32 modelId);
    error EmptyModelName();

    constructor(address initialOwner) Ownable(initialOwner) {}

    function getModelId(string memory repo, string memory fileName) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(repo, "/", fileName));
    }

    function addTrustedModel(string calldata repo, string calldata fileName, bytes32 sha256Hash)
        external
        onlyOwner
    {
        if (bytes(repo).length == 0 || bytes(fileName).length == 0) revert EmptyModelName();
        bytes32 modelId = getModelId(repo, fileName);
        if (models[modelId].timestamp != 0) revert ModelAlreadyExists(modelId);
        models[modelId] = Model(repo, fileName, sha256Hash, 1, true, block.timestamp);
        modelList.push(modelId);
        emit ModelAdded(modelId, repo, fileName, sha256Hash);
    }

    function deactivateModel(bytes32 modelId) external onlyOwner {
        if (models[modelId].timestamp == 0) revert ModelNotFound(modelId);
        models[modelId].active = false;
        emit ModelDeactivated(modelId);
    }

    function isModelApproved(bytes32 modelId) external view returns (bool) {
        return models[modelId].active;
    }

    function getModel(bytes32 modelId)
        external
        view
        returns (
            string memory huggingfaceRepo,
            string memory fileName,
            bytes32 sha256Hash,
            uint256 approvalTier,
            bool active,
            uint256 timestamp
        )
    {
        Model storage model = models[modelId];
        return (model.huggingfaceRepo, model.fileName, model.sha256Hash, model.approvalTier, model.active, model.timestamp);
    }

    function getAllModels() external view returns (bytes32[] memory) {
        return modelList;
    }
}
